import { auth, session } from "../api";
import { append, busy, errorBox, field, h, setFieldError } from "../dom";
import type { PageContext } from "../page";

function credentialsForm(
  submitLabel: string,
  autocompletePassword: string,
): {
  form: HTMLFormElement;
  email: HTMLInputElement;
  password: HTMLInputElement;
  submit: HTMLButtonElement;
  status: HTMLElement;
} {
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, maxlength: 254 });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: autocompletePassword,
    required: true,
    maxlength: 1024,
  });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, submitLabel);
  const status = h("div", { class: "form-status", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card form narrow", novalidate: true },
    field("Email", email),
    field(
      "Password",
      password,
      autocompletePassword === "new-password" ? "At least 12 characters; common passwords are refused." : undefined,
    ),
    status,
    h("div", { class: "actions" }, submit),
  );
  return { form, email, password, submit, status };
}

/** logIn signs in and loads the user's email and role for the header. */
async function logIn(email: string, password: string): Promise<void> {
  const r = await auth.login({ email, password });
  session.set({ accessToken: r.accessToken, refreshToken: r.refreshToken, expiresIn: r.expiresIn });
  try {
    const me = await auth.getMe({});
    session.email = me.user?.email ?? "";
    session.role = me.user?.role ?? "";
  } catch {
    // The header then shows no email and no Approvals link (the page
    // itself still answers at /approvals).
  }
}

function safeNext(next: string | null): string {
  // Only paths of this console: never an absolute URL from the query string.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/deployments";
}

export function loginPage(ctx: PageContext): void {
  ctx.setTitle("Log in");
  const f = credentialsForm("Log in", "current-password");
  const notice = ctx.query.get("expired")
    ? h("div", { class: "alert alert-info", role: "status" }, "Your session ended. Log in again to continue.")
    : ctx.query.get("registered")
      ? h("div", { class: "alert alert-ok", role: "status" }, "Account created. Log in with your new password.")
      : null;
  if (ctx.query.get("email")) f.email.value = ctx.query.get("email")!;
  f.form.addEventListener("submit", (e) => {
    e.preventDefault();
    f.status.replaceChildren();
    setFieldError(f.email, f.email.value.trim() === "" ? "Enter your email." : "");
    setFieldError(f.password, f.password.value === "" ? "Enter your password." : "");
    if (f.email.value.trim() === "" || f.password.value === "") return;
    void busy(f.submit, "Logging in…", async () => {
      try {
        await logIn(f.email.value.trim(), f.password.value);
        ctx.navigate(safeNext(ctx.query.get("next")));
      } catch (err) {
        f.status.replaceChildren(errorBox(err));
      }
    });
  });
  append(ctx.main, [
    h("h1", {}, "Log in"),
    notice,
    f.form,
    h("p", { class: "below-form" }, "New to Slipway? ", h("a", { href: "/signup" }, "Create an account"), "."),
  ]);
  if (!f.email.value) f.email.focus();
}

export function signupPage(ctx: PageContext): void {
  ctx.setTitle("Sign up");
  const f = credentialsForm("Create account", "new-password");
  f.form.addEventListener("submit", (e) => {
    e.preventDefault();
    f.status.replaceChildren();
    const email = f.email.value.trim();
    const pw = f.password.value;
    const emailErr = /^[^\s@]+@[^\s@]+$/.test(email) ? "" : "Enter an email address such as ada@example.com.";
    const pwErr = pw.length >= 12 ? "" : "Use at least 12 characters.";
    setFieldError(f.email, emailErr);
    setFieldError(f.password, pwErr);
    if (emailErr || pwErr) {
      (emailErr ? f.email : f.password).focus();
      return;
    }
    void busy(f.submit, "Creating account…", async () => {
      try {
        await auth.register({ email, password: pw });
      } catch (err) {
        f.status.replaceChildren(errorBox(err));
        return;
      }
      try {
        // Straight in: the person just chose these credentials.
        await logIn(email, pw);
        ctx.navigate("/contracts/new");
      } catch {
        ctx.navigate(`/login?registered=1&email=${encodeURIComponent(email)}`);
      }
    });
  });
  ctx.main.append(
    h("h1", {}, "Create your Slipway account"),
    h("p", { class: "lead" }, "Generate, audit, compile and deploy smart contracts, exactly once."),
    f.form,
    h("p", { class: "below-form" }, "Already have an account? ", h("a", { href: "/login" }, "Log in"), "."),
  );
  f.email.focus();
}
