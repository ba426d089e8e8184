// Constructor arguments from a compiled ABI: which form fields to show, and
// how each field's text becomes the JSON value CreateDeployment takes
// (strings for addresses, bytes and big integers; booleans; arrays for
// tuples and arrays — see constructor_args in deployments.proto).

export interface AbiParam {
  name?: string;
  type: string;
  internalType?: string;
  components?: AbiParam[];
}

interface AbiEntry {
  type: string;
  inputs?: AbiParam[];
  stateMutability?: string;
}

export type FieldKind = "address" | "uint" | "int" | "bool" | "string" | "bytes" | "fixedBytes" | "json";

export interface ArgField {
  /** Position in the constructor's parameter list. */
  index: number;
  /** The parameter's name, or argN when the ABI has none. */
  name: string;
  /** The canonical ABI type, such as uint256 or (address,uint8)[]. */
  type: string;
  kind: FieldKind;
  /** Bits of an integer type, bytes of a bytesN type. */
  size?: number;
  /** Text shown under the field: what to type. */
  hint: string;
  placeholder: string;
  components?: AbiParam[];
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** canonicalType spells tuples out, as ABI signatures do. */
export function canonicalType(p: AbiParam): string {
  if (p.type.startsWith("tuple")) {
    const inner = (p.components ?? []).map(canonicalType).join(",");
    return `(${inner})${p.type.slice("tuple".length)}`;
  }
  return p.type;
}

/** parseAbi reads the ABI's JSON text; it throws on text that is not an ABI. */
export function parseAbi(abiJson: string): AbiEntry[] {
  const v: unknown = JSON.parse(abiJson);
  if (!Array.isArray(v)) throw new Error("the ABI is not a JSON array");
  return v as AbiEntry[];
}

/** constructorFields answers one form field per constructor parameter. */
export function constructorFields(abiJson: string): ArgField[] {
  const ctor = parseAbi(abiJson).find((e) => e.type === "constructor");
  return (ctor?.inputs ?? []).map((p, i) => fieldFor(p, i));
}

/** payableConstructor says whether the constructor takes ether. */
export function payableConstructor(abiJson: string): boolean {
  return parseAbi(abiJson).some((e) => e.type === "constructor" && e.stateMutability === "payable");
}

export function fieldFor(p: AbiParam, index: number): ArgField {
  const type = canonicalType(p);
  const name = p.name && p.name !== "" ? p.name : `arg${index}`;
  const base = { index, name, type, components: p.components };
  if (type.endsWith("]") || type.startsWith("(")) {
    return {
      ...base,
      kind: "json",
      hint: `JSON: ${type.startsWith("(") && !type.endsWith("]") ? "an array of the tuple's fields" : "an array"}, e.g. ${example(type)}`,
      placeholder: example(type),
    };
  }
  let m = /^(u?)int(\d*)$/.exec(type);
  if (m) {
    const size = m[2] === "" ? 256 : Number(m[2]);
    const unsigned = m[1] === "u";
    return {
      ...base,
      kind: unsigned ? "uint" : "int",
      size,
      hint: unsigned
        ? `A whole number from 0 to 2^${size}-1 (decimal or 0x hex)`
        : `A whole number from -2^${size - 1} to 2^${size - 1}-1`,
      placeholder: "0",
    };
  }
  if (type === "address")
    return { ...base, kind: "address", hint: "An address: 0x and 40 hex digits", placeholder: "0x…" };
  if (type === "bool") return { ...base, kind: "bool", hint: "", placeholder: "" };
  if (type === "string") return { ...base, kind: "string", hint: "Any text", placeholder: "" };
  if (type === "bytes")
    return { ...base, kind: "bytes", hint: "Hex bytes: 0x and an even number of hex digits", placeholder: "0x" };
  m = /^bytes(\d+)$/.exec(type);
  if (m) {
    const size = Number(m[1]);
    return {
      ...base,
      kind: "fixedBytes",
      size,
      hint: `Exactly ${size} bytes: 0x and ${size * 2} hex digits`,
      placeholder: "0x" + "00".repeat(size),
    };
  }
  return { ...base, kind: "json", hint: `JSON value of type ${type}`, placeholder: "" };
}

function example(type: string): string {
  if (type.endsWith("]")) {
    const inner = type.slice(0, type.lastIndexOf("["));
    return `[${example(inner)}]`;
  }
  if (type.startsWith("(")) {
    const parts = splitTuple(type.slice(1, -1));
    return `[${parts.map(example).join(", ")}]`;
  }
  if (type === "address") return '"0x…"';
  if (type === "bool") return "true";
  if (/int/.test(type)) return '"1"';
  return '""';
}

function splitTuple(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  if (cur !== "") out.push(cur);
  return out;
}

export type ParseResult = { ok: true; value: JsonValue } | { ok: false; error: string };

const hexRe = /^0x[0-9a-fA-F]*$/;

/**
 * parseArg turns what a person typed (a checkbox is "true"/"false") into the
 * argument's JSON value, or says plainly what is wrong with it.
 */
export function parseArg(f: ArgField, raw: string): ParseResult {
  const text = f.kind === "string" ? raw : raw.trim();
  switch (f.kind) {
    case "address":
      if (!/^0x[0-9a-fA-F]{40}$/.test(text)) return { ok: false, error: "must be 0x followed by 40 hex digits" };
      return { ok: true, value: text };
    case "bool":
      if (text !== "true" && text !== "false") return { ok: false, error: "must be true or false" };
      return { ok: true, value: text === "true" };
    case "string":
      return { ok: true, value: text };
    case "bytes":
      if (!hexRe.test(text) || text.length % 2 !== 0)
        return { ok: false, error: "must be 0x followed by an even number of hex digits" };
      return { ok: true, value: text };
    case "fixedBytes":
      if (!hexRe.test(text) || text.length !== 2 + 2 * (f.size ?? 0))
        return { ok: false, error: `must be 0x followed by ${2 * (f.size ?? 0)} hex digits` };
      return { ok: true, value: text };
    case "uint":
    case "int": {
      if (text === "") return { ok: false, error: "is required" };
      let n: bigint;
      if (/^-?[0-9]+$/.test(text)) n = BigInt(text);
      else if (f.kind === "uint" && /^0x[0-9a-fA-F]+$/.test(text)) n = BigInt(text);
      else
        return {
          ok: false,
          error: f.kind === "uint" ? "must be a whole number (decimal or 0x hex)" : "must be a whole number",
        };
      const bits = BigInt(f.size ?? 256);
      const [lo, hi] = f.kind === "uint" ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
      if (n < lo) return { ok: false, error: f.kind === "uint" ? "must not be negative" : `must be at least ${lo}` };
      if (n > hi) return { ok: false, error: `must be at most ${hi}` };
      return { ok: true, value: n.toString() };
    }
    case "json": {
      if (text === "") return { ok: false, error: "is required" };
      try {
        const v = JSON.parse(text) as JsonValue;
        if ((f.type.endsWith("]") || f.type.startsWith("(")) && !Array.isArray(v))
          return { ok: false, error: "must be a JSON array" };
        return { ok: true, value: v };
      } catch {
        return { ok: false, error: "is not valid JSON" };
      }
    }
  }
}

/** parseArgs checks every field and answers the values or the errors by field index. */
export function parseArgs(fields: ArgField[], raws: string[]): { values: JsonValue[]; errors: Map<number, string> } {
  const values: JsonValue[] = [];
  const errors = new Map<number, string>();
  fields.forEach((f, i) => {
    const r = parseArg(f, raws[i] ?? "");
    if (r.ok) values.push(r.value);
    else errors.set(i, `${f.name} ${r.error}`);
  });
  return { values, errors };
}
