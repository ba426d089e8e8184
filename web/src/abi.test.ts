import { describe, expect, it } from "vitest";
import { canonicalType, constructorFields, parseArg, parseArgs, payableConstructor } from "./abi";

const erc20Abi = JSON.stringify([
  {
    type: "constructor",
    stateMutability: "nonpayable",
    inputs: [
      { name: "recipient", type: "address", internalType: "address" },
      { name: "initialOwner", type: "address" },
    ],
  },
  {
    type: "function",
    name: "transfer",
    inputs: [
      { name: "to", type: "address" },
      { name: "value", type: "uint256" },
    ],
    outputs: [{ type: "bool" }],
  },
]);

describe("constructorFields", () => {
  it("maps the generated ERC20's constructor", () => {
    const f = constructorFields(erc20Abi);
    expect(f.map((x) => [x.name, x.type, x.kind])).toEqual([
      ["recipient", "address", "address"],
      ["initialOwner", "address", "address"],
    ]);
  });
  it("answers no fields without a constructor", () => {
    expect(constructorFields(JSON.stringify([{ type: "function", name: "f", inputs: [] }]))).toEqual([]);
  });
  it("maps every kind of type", () => {
    const abi = JSON.stringify([
      {
        type: "constructor",
        stateMutability: "payable",
        inputs: [
          { name: "a", type: "uint8" },
          { name: "", type: "int256" },
          { name: "c", type: "bool" },
          { name: "d", type: "string" },
          { name: "e", type: "bytes" },
          { name: "f", type: "bytes32" },
          { name: "g", type: "address[]" },
          {
            name: "h",
            type: "tuple",
            components: [
              { name: "x", type: "uint256" },
              { name: "y", type: "address" },
            ],
          },
          { name: "i", type: "tuple[2]", components: [{ name: "x", type: "bool" }] },
          { name: "j", type: "uint" },
        ],
      },
    ]);
    const f = constructorFields(abi);
    expect(f.map((x) => `${x.name}:${x.type}:${x.kind}:${x.size ?? ""}`)).toEqual([
      "a:uint8:uint:8",
      "arg1:int256:int:256",
      "c:bool:bool:",
      "d:string:string:",
      "e:bytes:bytes:",
      "f:bytes32:fixedBytes:32",
      "g:address[]:json:",
      "h:(uint256,address):json:",
      "i:(bool)[2]:json:",
      "j:uint:uint:256",
    ]);
    expect(f[6].placeholder).toBe('["0x…"]');
    expect(f[7].placeholder).toBe('["1", "0x…"]');
    expect(payableConstructor(abi)).toBe(true);
    expect(payableConstructor(erc20Abi)).toBe(false);
  });
  it("spells nested tuples out", () => {
    expect(
      canonicalType({
        type: "tuple[]",
        components: [{ type: "uint8" }, { type: "tuple", components: [{ type: "bool" }, { type: "string" }] }],
      }),
    ).toBe("(uint8,(bool,string))[]");
  });
  it("refuses text that is not an ABI", () => {
    expect(() => constructorFields("{}")).toThrow(/not a JSON array/);
  });
});

describe("parseArg", () => {
  const [addr] = constructorFields(erc20Abi);
  const field = (type: string) =>
    constructorFields(
      JSON.stringify([
        {
          type: "constructor",
          inputs: [
            { name: "v", type, components: type.startsWith("tuple") ? [{ name: "x", type: "uint8" }] : undefined },
          ],
        },
      ]),
    )[0];

  it("checks addresses", () => {
    expect(parseArg(addr, " 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 ")).toEqual({
      ok: true,
      value: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    });
    expect(parseArg(addr, "0x12")).toEqual({ ok: false, error: "must be 0x followed by 40 hex digits" });
  });
  it("keeps big integers as decimal strings, within range", () => {
    const u8 = field("uint8");
    expect(parseArg(u8, "255")).toEqual({ ok: true, value: "255" });
    expect(parseArg(u8, "0xff")).toEqual({ ok: true, value: "255" });
    expect(parseArg(u8, "256")).toEqual({ ok: false, error: "must be at most 255" });
    expect(parseArg(u8, "-1")).toEqual({ ok: false, error: "must not be negative" });
    expect(parseArg(u8, "1.5").ok).toBe(false);
    expect(parseArg(u8, "").ok).toBe(false);
    const u256 = field("uint256");
    expect(parseArg(u256, (2n ** 256n - 1n).toString())).toEqual({ ok: true, value: (2n ** 256n - 1n).toString() });
    expect(parseArg(u256, (2n ** 256n).toString()).ok).toBe(false);
    const i8 = field("int8");
    expect(parseArg(i8, "-128")).toEqual({ ok: true, value: "-128" });
    expect(parseArg(i8, "-129")).toEqual({ ok: false, error: "must be at least -128" });
    expect(parseArg(i8, "0x10").ok).toBe(false);
  });
  it("reads booleans, strings and bytes", () => {
    expect(parseArg(field("bool"), "true")).toEqual({ ok: true, value: true });
    expect(parseArg(field("bool"), "false")).toEqual({ ok: true, value: false });
    expect(parseArg(field("string"), "  spaced  ")).toEqual({ ok: true, value: "  spaced  " });
    expect(parseArg(field("bytes"), "0xabcd")).toEqual({ ok: true, value: "0xabcd" });
    expect(parseArg(field("bytes"), "0xabc").ok).toBe(false);
    expect(parseArg(field("bytes2"), "0xabcd")).toEqual({ ok: true, value: "0xabcd" });
    expect(parseArg(field("bytes2"), "0xab")).toEqual({ ok: false, error: "must be 0x followed by 4 hex digits" });
  });
  it("parses arrays and tuples as JSON arrays", () => {
    expect(parseArg(field("address[]"), '["0x00"]')).toEqual({ ok: true, value: ["0x00"] });
    expect(parseArg(field("address[]"), '"x"')).toEqual({ ok: false, error: "must be a JSON array" });
    expect(parseArg(field("tuple"), "[1]")).toEqual({ ok: true, value: [1] });
    expect(parseArg(field("uint8[]"), "[1,")).toEqual({ ok: false, error: "is not valid JSON" });
  });
  it("collects errors by field with the parameter's name", () => {
    const fields = constructorFields(erc20Abi);
    const r = parseArgs(fields, ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "nope"]);
    expect(r.values).toEqual(["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"]);
    expect(r.errors.get(1)).toBe("initialOwner must be 0x followed by 40 hex digits");
  });
});
