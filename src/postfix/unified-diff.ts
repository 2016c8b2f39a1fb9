/**
 * A unified diff (the `diff -u` format) of two texts, for `--dry-run`. Config files are small
 * (hundreds of lines), so a plain LCS table is fast enough and keeps the code short.
 */

type Op = { kind: " " | "-" | "+"; text: string; a: number; b: number };

function lcsOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] =
        a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    // a and b are the 0-based positions in each text before this op.
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: " ", text: a[i]!, a: i++, b: j++ });
    // Deletions before insertions, as diff -u prints them.
    else if (i < n && (j === m || table[i + 1]![j]! >= table[i]![j + 1]!))
      ops.push({ kind: "-", text: a[i]!, a: i++, b: j });
    else ops.push({ kind: "+", text: b[j]!, a: i, b: j++ });
  }
  return ops;
}

function toLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * The unified diff from `before` to `after` with `context` lines around each change, headed by
 * `--- labelA` / `+++ labelB`; the empty string when the texts are equal.
 */
export function unifiedDiff(
  before: string,
  after: string,
  labelA: string,
  labelB: string,
  context = 3,
): string {
  if (before === after) return "";
  const ops = lcsOps(toLines(before), toLines(after));
  const changed = ops.map((o, k) => (o.kind !== " " ? k : -1)).filter((k) => k >= 0);
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(ops.length - 1, k + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const out = [`--- ${labelA}`, `+++ ${labelB}`];
  for (const [s, e] of hunks) {
    const slice = ops.slice(s, e + 1);
    const aLines = slice.filter((o) => o.kind !== "+").length;
    const bLines = slice.filter((o) => o.kind !== "-").length;
    // Line numbers are 1-based; a range of length 0 names the line before it (diff -u convention).
    const first = ops[s]!;
    out.push(
      `@@ -${aLines === 0 ? first.a : first.a + 1},${aLines} +${bLines === 0 ? first.b : first.b + 1},${bLines} @@`,
    );
    for (const o of slice) out.push(`${o.kind}${o.text}`);
  }
  if (!after.endsWith("\n") && after !== "") out.push("\\ No newline at end of file");
  return `${out.join("\n")}\n`;
}
