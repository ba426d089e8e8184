// A few DOM helpers: the console is small enough to need no framework, and
// building nodes (never HTML strings) keeps user and server text inert.
import { describeError, formatWait, type ErrorMessage } from "./errors";

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** h creates an element: attributes as strings, on* keys as listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** replace empties el and puts children in. */
export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

let idSeq = 0;
/** uid makes ids for label/input pairs. */
export function uid(prefix: string): string {
  return `${prefix}-${++idSeq}`;
}

/** field is a labelled input with an optional hint and an error slot. */
export function field(
  label: string,
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLDivElement {
  input.id ||= uid("f");
  const hintId = `${input.id}-hint`;
  const errId = `${input.id}-err`;
  const described = [hint ? hintId : "", errId].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", described);
  return h(
    "div",
    { class: "field" },
    h("label", { for: input.id }, label),
    input,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errId, role: "alert" }),
  );
}

/** setFieldError shows or clears the error under a field made by field(). */
export function setFieldError(input: HTMLElement, message: string): void {
  const err = document.getElementById(`${input.id}-err`);
  if (err) err.textContent = message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/**
 * errorBox shows a failure as a person-readable alert. When the server says
 * when to retry, the box counts down and onReady (if given) runs at zero —
 * pages use it to re-enable the button that was refused. describe words
 * the failure (describeError unless a call has wording of its own).
 */
export function errorBox(
  err: unknown,
  onReady?: () => void,
  describe: (err: unknown) => ErrorMessage = describeError,
): HTMLElement {
  const m: ErrorMessage = describe(err);
  const detail = h("p", {}, m.detail);
  // The line counted down: the retry sentence when the detail is the
  // server's explanation (a budget, a quota), else the detail itself.
  const retryLine = m.retry ? h("p", { class: "retry-line" }, m.retry) : detail;
  const box = h(
    "div",
    { class: `alert alert-error`, role: "alert", "data-code": m.code, "data-kind": m.kind },
    h("p", { class: "alert-title" }, m.title),
    m.detail ? detail : null,
    m.retry ? retryLine : null,
  );
  if (m.requestId && m.code !== "resource_exhausted")
    box.append(h("p", { class: "muted small" }, `Request id: ${m.requestId}`));
  if (m.retryAfterSeconds !== undefined) {
    const until = Date.now() + m.retryAfterSeconds * 1000;
    box.dataset.retryAfter = String(m.retryAfterSeconds);
    const timer = window.setInterval(() => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (!box.isConnected && left < 0) {
        window.clearInterval(timer);
        return;
      }
      if (left <= 0) {
        window.clearInterval(timer);
        retryLine.textContent = "You can try again now.";
        onReady?.();
        return;
      }
      retryLine.textContent = retryLine.textContent.replace(
        /Try again in [^.]+\./,
        `Try again in ${formatWait(left)}.`,
      );
    }, 1000);
  }
  return box;
}

/** busy disables a button while work runs and says so to screen readers. */
export async function busy<T>(button: HTMLButtonElement, label: string, work: () => Promise<T>): Promise<T> {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = old;
  }
}

/** formatTime shows a protobuf Timestamp in the reader's locale. */
export function formatTime(ts: { seconds: bigint; nanos: number } | undefined): string {
  if (!ts) return "—";
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toLocaleString();
}

export function copyButton(text: () => string, label = "Copy"): HTMLButtonElement {
  const b = h("button", { type: "button", class: "btn btn-small" }, label);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text());
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy";
    }
    window.setTimeout(() => (b.textContent = label), 2000);
  };
  b.addEventListener("click", () => void copy());
  return b;
}

/** hexValue shows a hash or address in full with a copy button; "—" when empty. */
export function hexValue(v: string, label: string): HTMLElement | string {
  return v
    ? h(
        "span",
        { class: "mono-row" },
        h("code", { class: "mono" }, v),
        copyButton(() => v, `Copy ${label}`),
      )
    : "—";
}

/**
 * shortHex is hexValue for tables: the value shortened (0x12345678…abcdef)
 * with the whole of it in its title and copied by its button; "—" when empty.
 */
export function shortHex(v: string, label: string): HTMLElement | string {
  if (!v) return "—";
  const b = copyButton(() => v);
  b.setAttribute("aria-label", `Copy ${label}`);
  return h(
    "span",
    { class: "mono-row" },
    h("code", { class: "mono", title: v }, v.length > 16 ? `${v.slice(0, 10)}…${v.slice(-6)}` : v),
    b,
  );
}

/**
 * dataTable is a table with a caption, a header row of column names and
 * rows for its body. captionClass styles the caption ("visually-hidden"
 * names the table for screen readers alone).
 */
export function dataTable(
  attrs: Attrs,
  caption: string,
  captionClass: string,
  columns: (Node | string)[],
  rows: Child[],
): HTMLTableElement {
  return h(
    "table",
    attrs,
    h("caption", { class: captionClass }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h("tbody", {}, rows),
  );
}
