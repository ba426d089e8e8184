// Line diffs of contract sources, for approvers: what changed since the last
// deployment of the same contract. Pure (no DOM): Myers' O(ND) diff over
// lines, after trimming the common head and tail, grouped into hunks with
// context lines as in a unified diff. The work is capped: past the cap a
// file is only said to differ, so a huge or wholly rewritten source never
// hangs the page.

/** One line of a hunk: kept (context), removed (del) or added (add). */
export interface DiffLine {
  kind: "context" | "del" | "add";
  text: string;
  /** 1-based line numbers in the old and the new text, where the line is in it. */
  oldNo?: number;
  newNo?: number;
}

/** Hunk: a run of changes with their context, as "@@ -oldStart,oldLines +newStart,newLines @@". */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface TextDiff {
  /** identical: the two texts are the same, byte for byte. */
  identical: boolean;
  /** tooLarge: the texts differ but the diff cost more than the cap; no hunks. */
  tooLarge: boolean;
  /**
   * lineEndingsOnly: the texts differ, but not line by line: only in their
   * line endings (CRLF or LF) or the newline at the end. No hunks.
   */
  lineEndingsOnly: boolean;
  hunks: Hunk[];
  added: number;
  removed: number;
}

export interface DiffOptions {
  /** Context lines around each change; 3 unless told. */
  context?: number;
  /** The most work (cell operations) a diff may do; 2,000,000 unless told. */
  budget?: number;
}

export const defaultContext = 3;
export const defaultBudget = 2_000_000;

/** Budget is work left, shared by the files of one diffSources. */
interface Budget {
  left: number;
}

/** splitLines: lines without their endings (CRLF, LF or CR); no last empty line for a final newline. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** hunkHeader: "@@ -1,4 +1,5 @@". */
export function hunkHeader(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
}

/** Change: old lines [a0, a1) became new lines [b0, b1); either may be empty. */
interface Change {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

/** diffLines compares two texts line by line. */
export function diffLines(before: string, after: string, opts: DiffOptions = {}): TextDiff {
  return diffWithBudget(before, after, opts.context ?? defaultContext, { left: opts.budget ?? defaultBudget });
}

function diffWithBudget(before: string, after: string, context: number, budget: Budget): TextDiff {
  const none = { tooLarge: false, lineEndingsOnly: false, hunks: [], added: 0, removed: 0 };
  if (before === after) return { ...none, identical: true };
  const a = splitLines(before);
  const b = splitLines(after);
  const changes = lineChanges(a, b, budget);
  if (changes === undefined) return { ...none, identical: false, tooLarge: true };
  if (changes.length === 0) return { ...none, identical: false, lineEndingsOnly: true };
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    added += c.b1 - c.b0;
    removed += c.a1 - c.a0;
  }
  return { ...none, identical: false, hunks: toHunks(a, b, changes, Math.max(0, context)), added, removed };
}

/**
 * lineChanges: where a and b differ, in order; undefined when finding out
 * would cost more than the budget left (which it uses up).
 */
function lineChanges(a: string[], b: string[], budget: Budget): Change[] | undefined {
  // The common head and tail cost a comparison a line and need no search.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  budget.left -= head + tail;
  if (budget.left < 0) return undefined;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n === 0 && m === 0) return [];
  if (n === 0 || m === 0) return [{ a0: head, a1: head + n, b0: head, b1: head + m }];

  // Lines as numbers, so the search compares integers.
  const ids = new Map<string, number>();
  const id = (s: string): number => {
    let v = ids.get(s);
    if (v === undefined) ids.set(s, (v = ids.size));
    return v;
  };
  const xs = Int32Array.from({ length: n }, (_, i) => id(a[head + i]));
  const ys = Int32Array.from({ length: m }, (_, i) => id(b[head + i]));
  budget.left -= n + m;
  if (budget.left < 0) return undefined;

  const ops = myers(xs, ys, budget);
  if (ops === undefined) return undefined;
  // ops: 0 kept, 1 removed (from xs), 2 added (from ys), in order.
  const out: Change[] = [];
  let x = 0;
  let y = 0;
  let i = 0;
  while (i < ops.length) {
    if (ops[i] === 0) {
      x++;
      y++;
      i++;
      continue;
    }
    const c: Change = { a0: head + x, a1: head + x, b0: head + y, b1: head + y };
    for (; i < ops.length && ops[i] !== 0; i++) {
      if (ops[i] === 1) x++;
      else y++;
    }
    c.a1 = head + x;
    c.b1 = head + y;
    out.push(c);
  }
  return out;
}

/**
 * myers finds a shortest edit script from xs to ys (E. Myers, "An O(ND)
 * Difference Algorithm and Its Variations", 1986), as ops: 0 kept, 1
 * removed, 2 added. Every diagonal tried, snake step taken and trace cell
 * kept costs one unit of the budget; undefined once it runs out.
 */
function myers(xs: Int32Array, ys: Int32Array, budget: Budget): Uint8Array | undefined {
  const n = xs.length;
  const m = ys.length;
  // Round d costs over 3d units, so the budget bounds d as well.
  const maxD = Math.min(n + m, Math.ceil(Math.sqrt(2 * Math.max(budget.left, 0))) + 1);
  const off = maxD + 1;
  const v = new Int32Array(2 * maxD + 3);
  // trace[d]: v for k in [-d, d] after round d, to walk back along.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= maxD; d++) {
    // The round's trace cells; each diagonal and snake step below.
    budget.left -= 2 * d + 1;
    if (budget.left < 0) return undefined;
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      const start = x;
      while (x < n && y < m && xs[x] === ys[y]) {
        x++;
        y++;
      }
      budget.left -= x - start + 1;
      v[off + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(off - d, off + d + 1));
        return walkBack(trace, n, m);
      }
    }
    if (budget.left < 0) return undefined;
    trace.push(v.slice(off - d, off + d + 1));
  }
  return undefined;
}

function walkBack(trace: Int32Array[], n: number, m: number): Uint8Array {
  const ops: number[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1];
    const at = (k: number) => prev[k + d - 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const pk = down ? k + 1 : k - 1;
    const px = at(pk);
    const py = px - pk;
    // The snake back to the end of the edit, then the edit itself.
    const sx = down ? px : px + 1;
    while (x > sx) {
      ops.push(0);
      x--;
      y--;
    }
    ops.push(down ? 2 : 1);
    x = px;
    y = py;
  }
  while (x > 0) {
    ops.push(0);
    x--;
  }
  return Uint8Array.from(ops.reverse());
}

/** toHunks groups changes that are close together, with context lines around. */
function toHunks(a: string[], b: string[], changes: Change[], context: number): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  while (i < changes.length) {
    // Changes whose kept lines between could not fill two contexts share a hunk.
    let j = i;
    while (j + 1 < changes.length && changes[j + 1].a0 - changes[j].a1 <= 2 * context) j++;
    const first = changes[i];
    const last = changes[j];
    const lead = Math.min(context, first.a0);
    const trail = Math.min(context, a.length - last.a1);
    const lines: DiffLine[] = [];
    const keep = (x0: number, x1: number, y0: number) => {
      for (let x = x0, y = y0; x < x1; x++, y++)
        lines.push({ kind: "context", text: a[x], oldNo: x + 1, newNo: y + 1 });
    };
    keep(first.a0 - lead, first.a0, first.b0 - lead);
    for (let c = i; c <= j; c++) {
      const ch = changes[c];
      if (c > i) keep(changes[c - 1].a1, ch.a0, changes[c - 1].b1);
      for (let x = ch.a0; x < ch.a1; x++) lines.push({ kind: "del", text: a[x], oldNo: x + 1 });
      for (let y = ch.b0; y < ch.b1; y++) lines.push({ kind: "add", text: b[y], newNo: y + 1 });
    }
    keep(last.a1, last.a1 + trail, last.b1);
    const oldLines = last.a1 + trail - (first.a0 - lead);
    const newLines = last.b1 + trail - (first.b0 - lead);
    // As in unified diffs, an empty side starts at the line before it.
    const oldStart = first.a0 - lead + (oldLines > 0 ? 1 : 0);
    const newStart = first.b0 - lead + (newLines > 0 ? 1 : 0);
    hunks.push({ oldStart, oldLines, newStart, newLines, lines });
    i = j + 1;
  }
  return hunks;
}

export type FileStatus = "added" | "removed" | "changed" | "unchanged";

/** FileDiff: one path of two source maps, and how it changed. */
export interface FileDiff extends TextDiff {
  path: string;
  status: FileStatus;
}

const rank: Record<FileStatus, number> = { changed: 0, added: 0, removed: 0, unchanged: 1 };

/**
 * diffSources compares two sets of sources by path: files only in after
 * are added (every line an addition), only in before removed, in both
 * changed or unchanged. Files with changes come first, then the unchanged
 * ones, each by path. The budget is for all the files together, spent on
 * the smallest first; files left when it runs out are only said to differ
 * (tooLarge).
 */
export function diffSources(
  before: Record<string, string>,
  after: Record<string, string>,
  opts: DiffOptions = {},
): FileDiff[] {
  const context = opts.context ?? defaultContext;
  const budget: Budget = { left: opts.budget ?? defaultBudget };
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const text = (s: Record<string, string>, path: string) => (Object.hasOwn(s, path) ? s[path] : "");
  // Smallest first, so that one huge file cannot use up the budget the
  // small ones need.
  const bySize = [...paths].sort(
    (x, y) => text(before, x).length + text(after, x).length - text(before, y).length - text(after, y).length,
  );
  const diffs = new Map(
    bySize.map((path) => [path, diffWithBudget(text(before, path), text(after, path), context, budget)]),
  );
  const out = paths.map((path): FileDiff => {
    const d = diffs.get(path)!;
    const status: FileStatus = !Object.hasOwn(before, path)
      ? "added"
      : !Object.hasOwn(after, path)
        ? "removed"
        : d.identical
          ? "unchanged"
          : "changed";
    return { path, status, ...d };
  });
  // Stable: by path within each rank.
  return out.sort((x, y) => rank[x.status] - rank[y.status]);
}
