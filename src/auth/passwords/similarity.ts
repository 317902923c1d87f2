/**
 * Similarity of two strings in [0, 1]: `2 * LCS / (a.length + b.length)`, where LCS is the
 * length of their longest common subsequence. Same scale as Python's `difflib` ratio
 * (1 for equal strings, 0 for strings with no character in common).
 *
 * @example
 * similarityRatio('alice1990', 'alice'); // 0.714…
 */
export function similarityRatio(a: string, b: string): number {
  const total = a.length + b.length;
  if (total === 0) return 1;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  // One row of the dynamic-programming table is enough: O(n·m) time, O(min(n, m)) memory.
  let previous = new Uint32Array(short.length + 1);
  let current = new Uint32Array(short.length + 1);
  for (let i = 1; i <= long.length; i++) {
    const char = long.charCodeAt(i - 1);
    for (let j = 1; j <= short.length; j++) {
      current[j] =
        char === short.charCodeAt(j - 1)
          ? (previous[j - 1] ?? 0) + 1
          : Math.max(previous[j] ?? 0, current[j - 1] ?? 0);
    }
    [previous, current] = [current, previous];
  }
  return (2 * (previous[short.length] ?? 0)) / total;
}
