// A small Solidity highlighter: a tokenizer good enough for the sources
// Slipway generates and the ones people paste, and a split into lines so the
// source view can show line numbers and put audit findings under their line.
// Rendering uses text nodes only (see render.ts), so source text is never
// interpreted as HTML.

export type TokenType =
  "comment" | "string" | "number" | "keyword" | "type" | "literal" | "builtin" | "pragma" | "ident" | "punct" | "space";

export interface Token {
  type: TokenType;
  text: string;
}

const keywords = new Set([
  "abstract",
  "anonymous",
  "as",
  "assembly",
  "break",
  "catch",
  "constant",
  "constructor",
  "continue",
  "contract",
  "delete",
  "do",
  "else",
  "emit",
  "enum",
  "error",
  "event",
  "external",
  "fallback",
  "for",
  "function",
  "if",
  "immutable",
  "import",
  "indexed",
  "interface",
  "internal",
  "is",
  "library",
  "memory",
  "modifier",
  "new",
  "override",
  "payable",
  "pragma",
  "private",
  "public",
  "pure",
  "receive",
  "return",
  "returns",
  "revert",
  "storage",
  "calldata",
  "struct",
  "try",
  "type",
  "unchecked",
  "using",
  "view",
  "virtual",
  "while",
  "from",
  "global",
  "transient",
]);

const literals = new Set(["true", "false", "wei", "gwei", "ether", "seconds", "minutes", "hours", "days", "weeks"]);

const builtins = new Set([
  "msg",
  "block",
  "tx",
  "abi",
  "this",
  "super",
  "require",
  "assert",
  "keccak256",
  "sha256",
  "ecrecover",
  "selfdestruct",
  "gasleft",
  "blockhash",
  "addmod",
  "mulmod",
]);

const typeRe =
  /^(address|bool|string|bytes([1-9]|[12][0-9]|3[0-2])?|u?int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)?|mapping|fixed|ufixed|byte)$/;

/** tokenize splits source into tokens whose texts concatenate back to it exactly. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (type: TokenType, text: string) => {
    const last = out[out.length - 1];
    if (last && last.type === type && (type === "space" || type === "punct")) last.text += text;
    else out.push({ type, text });
  };
  while (i < src.length) {
    const c = src[i];
    const rest = src.startsWith.bind(src);
    if (c === "/" && src[i + 1] === "/") {
      let j = src.indexOf("\n", i);
      if (j < 0) j = src.length;
      push("comment", src.slice(i, j));
      i = j;
    } else if (c === "/" && src[i + 1] === "*") {
      let j = src.indexOf("*/", i + 2);
      j = j < 0 ? src.length : j + 2;
      push("comment", src.slice(i, j));
      i = j;
    } else if (
      c === '"' ||
      c === "'" ||
      ((rest("hex", i) || rest("unicode", i)) && /["']/.test(src[i + (rest("hex", i) ? 3 : 7)] ?? ""))
    ) {
      let j = i;
      while (src[j] !== '"' && src[j] !== "'") j++;
      const q = src[j];
      j++;
      while (j < src.length && src[j] !== q && src[j] !== "\n") {
        j += src[j] === "\\" ? 2 : 1;
      }
      j = Math.min(src.length, src[j] === q ? j + 1 : j);
      push("string", src.slice(i, j));
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+([eE]-?[0-9_]+)?)/.exec(src.slice(i));
      const text = m && m[0] !== "" ? m[0] : c;
      push("number", text);
      i += text.length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      const w = m[0];
      if (w === "pragma") {
        // The whole directive: "pragma solidity ^0.8.20".
        let j = src.indexOf(";", i);
        const nl = src.indexOf("\n", i);
        if (j < 0 || (nl >= 0 && nl < j)) j = nl < 0 ? src.length : nl;
        push("keyword", w);
        if (j > i + w.length) push("pragma", src.slice(i + w.length, j));
        i = j;
        continue;
      }
      push(
        keywords.has(w)
          ? "keyword"
          : typeRe.test(w)
            ? "type"
            : literals.has(w)
              ? "literal"
              : builtins.has(w)
                ? "builtin"
                : "ident",
        w,
      );
      i += w.length;
    } else if (/\s/.test(c)) {
      const m = /^\s+/.exec(src.slice(i))!;
      push("space", m[0]);
      i += m[0].length;
    } else {
      push("punct", c);
      i++;
    }
  }
  return out;
}

/** lines splits tokens at newlines; a token spanning lines is cut in pieces of the same type. */
export function lines(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  for (const t of tokens) {
    const parts = t.text.split("\n");
    parts.forEach((p, k) => {
      if (k > 0) out.push([]);
      if (p !== "") out[out.length - 1].push({ type: t.type, text: p });
    });
  }
  return out;
}
