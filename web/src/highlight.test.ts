import { describe, expect, it } from "vitest";
import { lines, tokenize, type Token } from "./highlight";

const src = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/* A token.
   Two lines. */
contract MyToken is ERC20, Ownable {
    mapping(address => uint256) public balances;
    string constant NAME = "My \\"Token\\"";
    bytes32 h = hex"00ff";
    constructor(address recipient) ERC20("MyToken", 'MTK') {
        _mint(recipient, 1000 * 10 ** decimals() + 0x1F + 1e18);
        require(msg.sender != address(0), unicode"no ✓");
        uint x = 1 ether;
    }
}
`;

const of = (toks: Token[], type: string) => toks.filter((t) => t.type === type).map((t) => t.text);

describe("tokenize", () => {
  const toks = tokenize(src);
  it("loses no character", () => {
    expect(toks.map((t) => t.text).join("")).toBe(src);
  });
  it("finds comments, including block comments over lines", () => {
    expect(of(toks, "comment")).toEqual(["// SPDX-License-Identifier: MIT", "/* A token.\n   Two lines. */"]);
  });
  it("keeps the pragma directive together", () => {
    expect(of(toks, "pragma")).toEqual([" solidity ^0.8.20"]);
  });
  it("finds keywords, types, builtins and literals", () => {
    expect(of(toks, "keyword")).toEqual(
      expect.arrayContaining(["pragma", "contract", "is", "public", "constant", "constructor"]),
    );
    expect(of(toks, "type")).toEqual(
      expect.arrayContaining(["mapping", "address", "uint256", "string", "bytes32", "uint"]),
    );
    expect(of(toks, "builtin")).toEqual(expect.arrayContaining(["require", "msg"]));
    expect(of(toks, "literal")).toEqual(["ether"]);
    expect(of(toks, "ident")).toEqual(expect.arrayContaining(["MyToken", "ERC20", "_mint", "recipient", "decimals"]));
  });
  it("reads strings with escapes, single quotes, hex and unicode literals", () => {
    expect(of(toks, "string")).toEqual(['"My \\"Token\\""', 'hex"00ff"', '"MyToken"', "'MTK'", 'unicode"no ✓"']);
  });
  it("reads numbers", () => {
    expect(of(toks, "number")).toEqual(["1000", "10", "0x1F", "1e18", "0", "1"]);
  });
  it("survives unterminated input", () => {
    for (const bad of ['string s = "open', "/* open", "x = 0x", "'"]) {
      expect(
        tokenize(bad)
          .map((t) => t.text)
          .join(""),
      ).toBe(bad);
    }
  });
  it("does not mistake identifiers that start like types or literals", () => {
    const t = tokenize("uint256x hexagon trueish");
    expect(of(t, "ident")).toEqual(["uint256x", "hexagon", "trueish"]);
  });
});

describe("lines", () => {
  it("splits tokens at newlines, keeping their type", () => {
    const ls = lines(tokenize("a /* x\ny */ b\n"));
    expect(ls).toHaveLength(3);
    expect(ls[0]).toEqual([
      { type: "ident", text: "a" },
      { type: "space", text: " " },
      { type: "comment", text: "/* x" },
    ]);
    expect(ls[1][0]).toEqual({ type: "comment", text: "y */" });
    expect(ls[2]).toEqual([]);
  });
  it("numbers lines as an editor does", () => {
    expect(lines(tokenize(src)).length).toBe(src.split("\n").length);
  });
});
