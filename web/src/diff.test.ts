import { describe, expect, it } from "vitest";
import { diffLines, diffSources, hunkHeader, splitLines, type Hunk } from "./diff";

const joined = (lines: string[]) => lines.map((l) => `${l}\n`).join("");
const text = (...lines: string[]) => joined(lines);
const numbered = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${from + i}`);
/** The hunks as a unified diff's body. */
const unified = (hunks: Hunk[]) =>
  hunks.flatMap((h) => [
    hunkHeader(h),
    ...h.lines.map((l) => (l.kind === "add" ? "+" : l.kind === "del" ? "-" : " ") + l.text),
  ]);

describe("splitLines", () => {
  it("drops the final newline and any kind of line ending", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a")).toEqual(["a"]);
    expect(splitLines("a\n")).toEqual(["a"]);
    expect(splitLines("a\r\nb\rc\n\n")).toEqual(["a", "b", "c", ""]);
  });
});

describe("diffLines", () => {
  it("finds nothing in identical texts", () => {
    const d = diffLines(text(...numbered(10)), text(...numbered(10)));
    expect(d).toMatchObject({ identical: true, tooLarge: false, hunks: [], added: 0, removed: 0 });
  });

  it("shows an insertion with three lines of context", () => {
    const before = numbered(10);
    const after = [...before.slice(0, 5), "new", ...before.slice(5)];
    const d = diffLines(text(...before), text(...after));
    expect(d).toMatchObject({ identical: false, added: 1, removed: 0 });
    expect(unified(d.hunks)).toEqual([
      "@@ -3,6 +3,7 @@",
      " line 3",
      " line 4",
      " line 5",
      "+new",
      " line 6",
      " line 7",
      " line 8",
    ]);
    expect(d.hunks[0].lines[3]).toEqual({ kind: "add", text: "new", newNo: 6 });
    expect(d.hunks[0].lines[4]).toEqual({ kind: "context", text: "line 6", oldNo: 6, newNo: 7 });
  });

  it("shows a deletion at the start with what context there is", () => {
    const d = diffLines(text(...numbered(6)), text(...numbered(5, 2)));
    expect(d).toMatchObject({ added: 0, removed: 1 });
    expect(unified(d.hunks)).toEqual(["@@ -1,4 +1,3 @@", "-line 1", " line 2", " line 3", " line 4"]);
  });

  it("shows a change in the middle, removed lines before added ones", () => {
    const before = numbered(20);
    const after = [...before];
    after.splice(9, 2, "ten", "eleven", "eleven and a half");
    const d = diffLines(text(...before), text(...after));
    expect(d).toMatchObject({ added: 3, removed: 2 });
    expect(unified(d.hunks)).toEqual([
      "@@ -7,8 +7,9 @@",
      " line 7",
      " line 8",
      " line 9",
      "-line 10",
      "-line 11",
      "+ten",
      "+eleven",
      "+eleven and a half",
      " line 12",
      " line 13",
      " line 14",
    ]);
  });

  it("keeps far-apart changes in separate hunks and near ones in one", () => {
    const before = numbered(30);
    const far = before.map((l, i) => (i === 2 || i === 25 ? `${l}!` : l));
    expect(diffLines(text(...before), text(...far)).hunks.map(hunkHeader)).toEqual([
      "@@ -1,6 +1,6 @@",
      "@@ -23,7 +23,7 @@",
    ]);
    // Six kept lines between two changes fill both contexts: one hunk.
    const near = before.map((l, i) => (i === 10 || i === 17 ? `${l}!` : l));
    expect(diffLines(text(...before), text(...near)).hunks.map(hunkHeader)).toEqual(["@@ -8,14 +8,14 @@"]);
    const context = diffLines(text(...before), text(...near), { context: 1 });
    expect(context.hunks.map(hunkHeader)).toEqual(["@@ -10,3 +10,3 @@", "@@ -17,3 +17,3 @@"]);
  });

  it("numbers an empty side from the line before, as unified diffs do", () => {
    expect(diffLines("", text("a", "b")).hunks.map(hunkHeader)).toEqual(["@@ -0,0 +1,2 @@"]);
    expect(diffLines(text("a", "b"), "").hunks.map(hunkHeader)).toEqual(["@@ -1,2 +0,0 @@"]);
  });

  it("tells line endings apart from changed lines", () => {
    const d = diffLines("a\nb\n", "a\r\nb");
    expect(d).toMatchObject({ identical: false, lineEndingsOnly: true, tooLarge: false, hunks: [] });
  });

  it("finds a shortest edit, whose hunks rebuild both texts", () => {
    // A small deterministic generator: the same cases every run.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let run = 0; run < 300; run++) {
      const a = Array.from({ length: rand(12) }, () => "abcd"[rand(4)]);
      const b = Array.from({ length: rand(12) }, () => "abcd"[rand(4)]);
      const d = diffLines(text(...a), text(...b), { context: 100 });
      const lines = d.hunks.flatMap((h) => h.lines);
      if (d.hunks.length > 0) {
        expect(lines.filter((l) => l.kind !== "add").map((l) => l.text)).toEqual(a);
        expect(lines.filter((l) => l.kind !== "del").map((l) => l.text)).toEqual(b);
      }
      // Longest common subsequence by dynamic programming, for the size.
      const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
          lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      expect(d.added + d.removed).toBe(a.length + b.length - 2 * lcs[0][0]);
    }
  });

  it("says only that large, wholly different texts differ, and does so quickly", () => {
    const before = joined(numbered(20_000));
    const after = joined(numbered(20_000).map((l) => `${l} changed`));
    const started = performance.now();
    const d = diffLines(before, after);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(d).toMatchObject({ identical: false, tooLarge: true, hunks: [], added: 0, removed: 0 });
  });

  it("still diffs a large text with a small change", () => {
    const before = numbered(200_000);
    const after = [...before];
    after[100_000] = "changed";
    const d = diffLines(joined(before), joined(after));
    expect(d).toMatchObject({ tooLarge: false, added: 1, removed: 1 });
    expect(d.hunks.map(hunkHeader)).toEqual(["@@ -99998,7 +99998,7 @@"]);
  });

  it("falls back under a smaller budget", () => {
    const before = text(...numbered(100));
    const after = text(...numbered(100).map((l, i) => (i % 2 ? l : `${l}!`)));
    expect(diffLines(before, after).tooLarge).toBe(false);
    expect(diffLines(before, after, { budget: 500 }).tooLarge).toBe(true);
  });
});

describe("diffSources", () => {
  it("orders changed, added and removed files before unchanged ones, each by path", () => {
    const before = { "b.sol": text("same"), "c.sol": text("old"), "d.sol": text("gone"), "a.sol": text("same") };
    const after = { "a.sol": text("same"), "b.sol": text("same"), "c.sol": text("new"), "e.sol": text("x", "y") };
    const files = diffSources(before, after);
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ["c.sol", "changed"],
      ["d.sol", "removed"],
      ["e.sol", "added"],
      ["a.sol", "unchanged"],
      ["b.sol", "unchanged"],
    ]);
    const added = files[2];
    expect(added).toMatchObject({ added: 2, removed: 0 });
    expect(unified(added.hunks)).toEqual(["@@ -0,0 +1,2 @@", "+x", "+y"]);
    const removed = files[1];
    expect(removed).toMatchObject({ added: 0, removed: 1 });
    expect(unified(removed.hunks)).toEqual(["@@ -1,1 +0,0 @@", "-gone"]);
    expect(files[3]).toMatchObject({ identical: true, hunks: [] });
  });

  it("finds no changes between the same sources", () => {
    const s = { "A.sol": text("contract A {}") };
    expect(diffSources(s, { ...s }).map((f) => f.status)).toEqual(["unchanged"]);
    expect(diffSources({}, {})).toEqual([]);
  });

  it("shares the budget between files, smallest first: those past it only differ", () => {
    const big = (suffix: string) => text(...numbered(3000).map((l) => l + suffix));
    const files = diffSources(
      { "A.sol": big(""), "B.sol": text("one"), "C.sol": text("keep"), "D.sol": big("") },
      { "A.sol": big("!"), "B.sol": text("two"), "C.sol": text("keep"), "D.sol": big("?") },
    );
    expect(files.map((f) => [f.path, f.status, f.tooLarge])).toEqual([
      ["A.sol", "changed", true],
      ["B.sol", "changed", false],
      ["D.sol", "changed", true],
      ["C.sol", "unchanged", false],
    ]);
  });
});
