// The console's shell: header and navigation, a small history router, and
// the sign-in guard. Pages render into <main> and return a cleanup function
// (to stop a live stream) when they need one.
import "./style.css";
import { auth, session } from "./api";
import { h, replace } from "./dom";
import { loginPage, signupPage } from "./pages/auth";
import { keysPage } from "./pages/keys";
import { contractPage } from "./pages/contract";
import { deploymentPage } from "./pages/deployment";
import { deploymentsPage } from "./pages/deployments";
import { accountPage } from "./pages/account";
import { approvalsPage } from "./pages/approvals";
import { mayVote } from "./approvals";
import type { Page } from "./page";

interface Route {
  pattern: RegExp;
  keys: string[];
  page: Page;
  signedIn: boolean;
}

const routes: Route[] = [];
function route(path: string, page: Page, signedIn = true): void {
  const keys: string[] = [];
  const pattern = new RegExp("^" + path.replace(/:([a-z]+)/g, (_, k: string) => (keys.push(k), "([^/]+)")) + "/?$");
  routes.push({ pattern, keys, page, signedIn });
}

route("/login", loginPage, false);
route("/signup", signupPage, false);
route("/keys", keysPage);
route("/contracts/new", contractPage);
route("/deployments", deploymentsPage);
route("/deployments/:id", deploymentPage);
route("/approvals", approvalsPage);
route("/account", accountPage);

const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const account = document.getElementById("account") as HTMLElement;
let cleanup: (() => void) | void;

function navigate(path: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

function render(): void {
  if (typeof cleanup === "function") cleanup();
  cleanup = undefined;
  const url = new URL(window.location.href);
  const path = url.pathname;
  if (path === "/" || path === "/index.html") {
    navigate(session.signedIn ? "/deployments" : "/login", true);
    return;
  }
  renderNav(path);
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.signedIn && !session.signedIn) {
      navigate(`/login?next=${encodeURIComponent(path + url.search)}`, true);
      return;
    }
    if (!r.signedIn && session.signedIn) {
      navigate("/deployments", true);
      return;
    }
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
    main.replaceChildren();
    cleanup = r.page({ main, params, query: url.searchParams, navigate, setTitle });
    focusHeading();
    return;
  }
  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Page not found"),
    h("p", {}, "There is nothing at this address. ", h("a", { href: "/deployments" }, "Go to your deployments"), "."),
  );
  setTitle("Page not found");
  focusHeading();
}

function setTitle(title: string): void {
  document.title = `${title} · Slipway`;
}

let firstRender = true;
function focusHeading(): void {
  // Move focus to the new page's heading after in-app navigation, so
  // keyboard and screen-reader users start at the top of what changed.
  if (firstRender) {
    firstRender = false;
    return;
  }
  const h1 = main.querySelector("h1");
  if (h1) {
    h1.setAttribute("tabindex", "-1");
    h1.focus();
  }
}

function renderNav(path: string): void {
  const link = (href: string, label: string) =>
    h(
      "a",
      {
        href,
        class: "nav-link",
        "aria-current": path === href || (href !== "/" && path.startsWith(href + "/")) ? "page" : null,
      },
      label,
    );
  if (session.signedIn) {
    replace(
      nav,
      link("/contracts/new", "New contract"),
      link("/deployments", "Deployments"),
      // Only those who vote; the page itself answers anyone (with nothing).
      mayVote(session.role) ? link("/approvals", "Approvals") : null,
      link("/keys", "API keys"),
      link("/account", "Account"),
    );
    const logout = h("button", { type: "button", class: "btn btn-ghost", id: "logout" }, "Log out");
    logout.addEventListener("click", () => void logOut());
    replace(
      account,
      session.email
        ? h("a", { href: "/account", class: "account-email", title: "Your account and budgets" }, session.email)
        : null,
      logout,
    );
  } else {
    replace(nav, link("/login", "Log in"), link("/signup", "Sign up"));
    account.replaceChildren();
  }
}

async function logOut(): Promise<void> {
  const rt = session.currentRefreshToken();
  session.clear();
  try {
    // Revokes the session on the server: its tokens stop working at once.
    await auth.logout({ refreshToken: rt });
  } catch {
    // Signed out here either way; an unreachable server cannot keep
    // tokens that this page has already forgotten alive for long.
  }
  navigate("/login");
}

// Same-origin links navigate in place.
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest("a");
  if (!a || a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", render);

// A refresh the server refused signs the session out: say so and go to login.
session.onChange((signedIn) => {
  if (!signedIn && !window.location.pathname.startsWith("/login")) {
    navigate(`/login?expired=1&next=${encodeURIComponent(window.location.pathname + window.location.search)}`, true);
  } else {
    renderNav(window.location.pathname);
  }
});

render();
