// The source view: highlighted Solidity with line numbers, and audit
// findings shown under the line they point at.
import { h } from "./dom";
import { lines, tokenize } from "./highlight";

export interface LineNote {
  line: number;
  severity: string;
  title: string;
  description: string;
  detector: string;
}

export function sourceView(source: string, notes: LineNote[] = []): HTMLElement {
  const byLine = new Map<number, LineNote[]>();
  for (const n of notes) byLine.set(n.line, [...(byLine.get(n.line) ?? []), n]);
  const rows = lines(tokenize(source)).map((toks, i) => {
    const n = i + 1;
    const code = h(
      "code",
      { class: "src-code" },
      toks.map((t) =>
        t.type === "space" || t.type === "punct" || t.type === "ident"
          ? t.text
          : h("span", { class: `tok-${t.type}` }, t.text),
      ),
    );
    const here = byLine.get(n) ?? [];
    const row = h(
      "div",
      { class: here.length ? "src-line has-finding" : "src-line", "data-line": n },
      h("span", { class: "src-no", "aria-hidden": "true" }, n),
      code,
    );
    if (here.length === 0) return row;
    return [
      row,
      ...here.map((f) =>
        h(
          "div",
          {
            class: `src-finding sev-${f.severity.toLowerCase()}`,
            role: "note",
            "aria-label": `Line ${n}: ${f.severity} finding`,
          },
          h("span", { class: "badge" }, f.severity),
          h("strong", {}, ` ${f.title}`),
          h("span", { class: "muted" }, ` (${f.detector}, line ${n})`),
          f.description ? h("p", {}, f.description) : null,
        ),
      ),
    ];
  });
  return h("div", { class: "src", tabindex: 0, role: "region", "aria-label": "Contract source" }, rows.flat());
}
