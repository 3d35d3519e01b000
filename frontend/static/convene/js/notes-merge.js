/**
 * Three-way line merge, the same rules as the server's (rooms/breakouts/merge.py):
 * changes to different lines combine; changes to the same lines (or two insertions
 * at one place) clash unless identical. The browser uses it to fold other people's
 * saved notes into text you are still typing; the server's merge stays the judge.
 */

/** Lines with their line ends (Python's `splitlines(keepends=True)` for "\n"). */
export function lines(text) {
  return text.match(/[^\n]*\n|[^\n]+$/g) || [];
}

/** Changed runs of `edited` against `base`: [{start, end, lines}] (base lines [start, end) replaced). */
export function hunks(base, edited) {
  const n = base.length;
  const m = edited.length;
  let pre = 0;
  while (pre < n && pre < m && base[pre] === edited[pre]) pre += 1;
  let suf = 0;
  while (suf < n - pre && suf < m - pre && base[n - 1 - suf] === edited[m - 1 - suf]) suf += 1;
  const a = base.slice(pre, n - suf);
  const b = edited.slice(pre, m - suf);
  if (!a.length && !b.length) return [];
  if (a.length * b.length > 4e6) return [{ start: pre, end: n - suf, lines: b }];
  // Longest common subsequence of lines, then walk it.
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1
        : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  let open = null;
  const close = () => {
    if (open) out.push({ start: pre + open.i, end: pre + i, lines: b.slice(open.j, j) });
    open = null;
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      close();
      i += 1;
      j += 1;
    } else {
      open ||= { i, j };
      if (j < b.length && (i === a.length || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j])) j += 1;
      else i += 1;
    }
  }
  close();
  return out;
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

/** `ours` and `theirs` (both edited from `base`) combined, or null when they clash. */
export function merge3(base, ours, theirs) {
  if (ours === theirs || theirs === base) return ours;
  if (ours === base) return theirs;
  const old = lines(base);
  const mine = hunks(old, lines(ours));
  const other = hunks(old, lines(theirs));
  if (mine.some((x) => other.some((y) => clash(x, y)))) return null;
  const all = [...mine, ...other.filter((y) => !mine.some((x) => same(x, y)))]
    .sort((x, y) => x.start - y.start || x.end - y.end);
  const out = [];
  let at = 0;
  for (const hunk of all) {
    out.push(...old.slice(at, hunk.start), ...hunk.lines);
    at = Math.max(at, hunk.end);
  }
  out.push(...old.slice(at));
  return out.map((line, k) => (line.endsWith('\n') || k === out.length - 1 ? line : `${line}\n`)).join('');
}
