import { errorWords } from './errors.js';

/**
 * "Did you mean": the names an org has that are close to one it doesn't (an app, a permission set, a group),
 * by API name or label, so a misspelled name gets the name it most likely meant.
 */

/** Letters and digits only, lower case, accents dropped: `Account_Read`, `account read` and `Äccount-Read` are the same. */
const normalized = (s: string): string =>
  s
    .normalize('NFD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Levenshtein distance of the normalized names (0: the same but for case and separators). */
export function distance(a: string, b: string): number {
  const [x, y] = [normalized(a), normalized(b)];
  const row = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] === y[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[y.length];
}

/** Close enough to be the name the user meant: same letters ignoring case and separators, one inside the other, or a small edit distance. */
export function similar(a: string, b: string): boolean {
  const [x, y] = [normalized(a), normalized(b)];
  if (x.includes(y) || y.includes(x)) return true;
  return distance(a, b) <= Math.max(2, Math.floor(y.length / 4));
}

/**
 * The API names whose API name or label is close to `wanted`, closest first (at most `max`). Each candidate is
 * `{ name, label }`; a label close to what was typed suggests its API name.
 */
export function closeNames(
  candidates: ReadonlyArray<{ name: string; label?: string }>,
  wanted: string,
  max = 3
): string[] {
  const scored = candidates.flatMap(({ name, label }) => {
    const spellings = [name, ...(label ? [label] : [])].filter((s) => similar(s, wanted));
    return spellings.length ? [{ name, score: Math.min(...spellings.map((s) => distance(s, wanted))) }] : [];
  });
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return [...new Set(scored.map((s) => s.name))].slice(0, max);
}

/** " Did you mean A or B?" or nothing, to follow a sentence that says the name isn't there. */
export function didYouMean(close: readonly string[]): string {
  if (!close.length) return '';
  const quoted = close.map((name) => `"${name}"`);
  const list =
    quoted.length === 1
      ? quoted[0]
      : errorWords('reason.or', [quoted.slice(0, -1).join(', '), quoted[quoted.length - 1]]);
  return ` ${errorWords('reason.didYouMean', [list])}`;
}
