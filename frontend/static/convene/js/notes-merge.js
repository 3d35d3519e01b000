/**
 * Three-way line merge, the server's algorithm step for step (rooms/breakouts/merge.py):
 * changes to different lines combine; changes to the same lines (or two insertions
 * at one place) clash unless identical. The browser uses it to fold other people's
 * saved notes into text you are still typing; the server's merge stays the judge.
 *
 * Bounded work, as on the server: each diff is Myers' shortest edit script after
 * trimming the common start and end, and spends at most DIFF_BUDGET steps; past it,
 * line i is compared with line i when the line counts match, else the changed middle
 * is one block. A coarser diff only makes clashes likelier, never loses a line.
 * tests/rooms/breakouts/test_notes_merge.py runs this file and the server's on the same inputs.
 */

/** Steps (line comparisons, diagonals tried) one diff may take: the same as the server's. */
export const DIFF_BUDGET = 200000;

/** Lines with their line ends; only "\n" ends a line (the server's `lines_of`). */
export function lines(text) {
  return text.match(/[^\n]*\n|[^\n]+$/g) || [];
}

/** Myers: matched runs [x, y, length] of a shortest edit script from a to b, or null past the budget. */
function shortestScript(a, b, work) {
  const n = a.length;
  const m = b.length;
  const off = n + m + 1;
  const v = new Int32Array(2 * off + 1); // v[off + k]: the furthest x reached on diagonal k = x - y
  const trace = []; // v after each round d, for k in [-d, d]
  let steps = 0;
  for (let d = 0; d <= n + m; d += 1) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      const x0 = x;
      while (x < n && y < m && a[x] === b[y]) { x += 1; y += 1; }
      v[off + k] = x;
      steps += 1 + x - x0;
      if (x >= n && y >= m) {
        work.spent += steps;
        trace.push(v.slice(off - d, off + d + 1));
        return runsOf(trace, n, m);
      }
      if (steps > work.budget) {
        work.spent += steps;
        return null;
      }
    }
    trace.push(v.slice(off - d, off + d + 1));
    steps += 2 * d + 1; // the copy
  }
  throw new Error('unreachable: d = n + m always reaches the end');
}

/** Walk the rounds back from (n, m), collecting the diagonal runs in order. */
function runsOf(trace, n, m) {
  const runs = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d -= 1) {
    const k = x - y;
    const prev = trace[d - 1];
    const at = (diagonal) => prev[diagonal + d - 1];
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const px = down ? at(k + 1) : at(k - 1);
    const py = px - (down ? k + 1 : k - 1);
    const sx = down ? px : px + 1;
    const sy = down ? py + 1 : py;
    if (x > sx) runs.push([sx, sy, x - sx]);
    x = px;
    y = py;
  }
  if (x > 0) runs.push([0, 0, x]);
  return runs.reverse();
}

function diff(old, edited, editedLines, work) {
  const n = old.length;
  const m = edited.length;
  let pre = 0;
  while (pre < n && pre < m && old[pre] === edited[pre]) pre += 1;
  let suf = 0;
  while (suf < n - pre && suf < m - pre && old[n - 1 - suf] === edited[m - 1 - suf]) suf += 1;
  work.spent += pre + suf;
  const a = old.slice(pre, n - suf);
  const b = edited.slice(pre, m - suf);
  if (!a.length && !b.length) return [];
  let runs = shortestScript(a, b, work);
  if (runs === null) {
    work.coarse = true;
    work.spent += a.length;
    runs = [];
    if (a.length === b.length) { // edits in place: line i against line i
      for (let i = 0; i < a.length; i += 1) if (a[i] === b[i]) runs.push([i, i, 1]);
    }
  }
  const hunks = [];
  let i = 0;
  let j = 0;
  for (const [x, y, length] of [...runs, [a.length, b.length, 0]]) {
    if (x > i || y > j) hunks.push({ start: pre + i, end: pre + x, lines: editedLines.slice(pre + j, pre + y) });
    i = x + length;
    j = y + length;
  }
  return hunks;
}

const same = (x, y) => x.start === y.start && x.end === y.end && x.lines.length === y.lines.length
  && x.lines.every((line, k) => line === y.lines[k]);

function clash(x, y) {
  if (same(x, y)) return false;
  const xInsert = x.start === x.end;
  const yInsert = y.start === y.end;
  if (xInsert && yInsert) return x.start === y.start;
  if (xInsert) return y.start < x.start && x.start < y.end;
  if (yInsert) return x.start < y.start && y.start < x.end;
  return x.start < y.end && y.start < x.end;
}

/** Both sorted hunk lists in order (a change both made, once), or null if two clash: one sweep. */
function combined(mine, other) {
  const out = [];
  let i = 0;
  let j = 0;
  while (i < mine.length && j < other.length) {
    const x = mine[i];
    const y = other[j];
    if (clash(x, y)) return null;
    if (same(x, y)) { out.push(x); i += 1; j += 1; }
    else if (x.start < y.start || (x.start === y.start && x.end <= y.end)) { out.push(x); i += 1; }
    else { out.push(y); j += 1; }
  }
  return out.concat(mine.slice(i), other.slice(j));
}

/**
 * `ours` and `theirs` (both edited from `base`) combined, or null when they clash.
 * `work` (optional, {budget, spent, coarse}) records the steps spent.
 */
export function merge3(base, ours, theirs, work = { budget: DIFF_BUDGET, spent: 0, coarse: false }) {
  if (ours === theirs || theirs === base) return ours;
  if (ours === base) return theirs;
  const old = lines(base);
  const mine = lines(ours);
  const other = lines(theirs);
  const ids = new Map(); // each distinct line as a small int: cheap comparisons
  const id = (line) => { if (!ids.has(line)) ids.set(line, ids.size); return ids.get(line); };
  const oldIds = old.map(id);
  const mineIds = mine.map(id);
  const otherIds = other.map(id);
  work.spent += old.length + mine.length + other.length;
  const hunks = combined(diff(oldIds, mineIds, mine, work), diff(oldIds, otherIds, other, work));
  if (hunks === null) return null;
  const out = [];
  let at = 0;
  for (const hunk of hunks) {
    for (let k = at; k < hunk.start; k += 1) out.push(old[k]);
    for (const line of hunk.lines) out.push(line);
    at = Math.max(at, hunk.end);
  }
  for (let k = at; k < old.length; k += 1) out.push(old[k]);
  return out.map((line, k) => (line.endsWith('\n') || k === out.length - 1 ? line : `${line}\n`)).join('');
}
