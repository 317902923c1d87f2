// Detects secrets a guesser tries first: keyboard walks, alphabetical or numeric runs and
// repetitions. Shared by the password validators (auth) and the SECRET_KEY check (app).

const ROWS = ['`1234567890-=', 'qwertyuiop[]\\', "asdfghjkl;'", 'zxcvbnm,./'];
const SHIFTED_ROWS = ['~!@#$%^&*()_+', 'QWERTYUIOP{}|', 'ASDFGHJKL:"', 'ZXCVBNM<>?'];

/** Row and column of each key on a US QWERTY keyboard, shifted characters on the same key. */
const KEYS = new Map<string, readonly [number, number]>();
for (const rows of [ROWS, SHIFTED_ROWS]) {
  rows.forEach((row, r) => {
    [...row].forEach((key, c) => {
      KEYS.set(key, [r, c]);
    });
  });
}
const KEYPAD = ['789', '456', '123', '0'];
KEYPAD.forEach((row, r) => {
  [...row].forEach((key, c) => {
    if (!KEYS.has(`pad${key}`)) KEYS.set(`pad${key}`, [r, c]);
  });
});

function keyboardNeighbours(a: string, b: string): boolean {
  const from = KEYS.get(a);
  const to = KEYS.get(b);
  if (from === undefined || to === undefined) return false;
  const [r1, c1] = from;
  const [r2, c2] = to;
  if (r1 === r2) return Math.abs(c1 - c2) === 1;
  // Rows are staggered: key c of a row touches keys c-1 and c of the row below it.
  if (r2 === r1 + 1) return c2 === c1 || c2 === c1 - 1;
  if (r2 === r1 - 1) return c2 === c1 || c2 === c1 + 1;
  return false;
}

function keypadNeighbours(a: string, b: string): boolean {
  const from = KEYS.get(`pad${a}`);
  const to = KEYS.get(`pad${b}`);
  if (from === undefined || to === undefined) return false;
  return Math.abs(from[0] - to[0]) <= 1 && Math.abs(from[1] - to[1]) <= 1;
}

/** Two characters a guesser's walk would type one after the other. */
function linked(a: string, b: string): boolean {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la === lb) return true;
  if (keyboardNeighbours(a, b) || keyboardNeighbours(la, lb) || keypadNeighbours(a, b)) return true;
  // abc, cba, 123, 321.
  const step = (lb.codePointAt(0) ?? 0) - (la.codePointAt(0) ?? 0);
  return (step === 1 || step === -1) && /[a-z0-9]/.test(la) && /[a-z0-9]/.test(lb);
}

/**
 * Splits `text` into maximal runs whose neighbouring characters are linked (adjacent keys,
 * alphabetical or numeric steps, the same character).
 */
function walkRuns(text: string): string[][] {
  const chars = [...text];
  const runs: string[][] = [];
  let run: string[] = [];
  for (const char of chars) {
    const last = run[run.length - 1];
    if (last !== undefined && !linked(last, char)) {
      runs.push(run);
      run = [];
    }
    run.push(char);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * True when `text` is typed by a few keyboard walks or sequences: `qwertyuiop`, `1qaz2wsx`,
 * `zaq12wsx`, `asdfghjkl;`, `abcdefgh`, `98765432`, `qqwweerr`. A run of linked characters
 * shorter than 3 never counts as a walk.
 */
export function isKeyboardWalk(text: string): boolean {
  const length = [...text].length;
  if (length < 4) return false;
  const runs = walkRuns(text);
  if (runs.some((run) => run.length < 3)) return false;
  return runs.length <= Math.max(1, Math.floor(length / 4));
}

/**
 * True when `text` repeats a short unit (`aaaaaaaa`, `abababab`, `abcabcabc`,
 * `changemechangeme`) or uses almost no distinct characters (`aaaaaaab`).
 */
export function isRepetition(text: string, options: { maxUnit?: number } = {}): boolean {
  const chars = [...text.toLowerCase()];
  if (chars.length < 4) return false;
  if (new Set(chars).size <= Math.min(3, Math.ceil(chars.length / 4))) return true;
  const maxUnit = Math.min(options.maxUnit ?? 4, Math.floor(chars.length / 2));
  for (let unit = 1; unit <= maxUnit; unit += 1) {
    if (chars.length % unit !== 0) continue;
    if (chars.every((char, index) => char === chars[index % unit])) return true;
  }
  return false;
}

/** Shannon entropy of `text`'s characters, in bits for the whole text (an upper bound of its strength). */
export function characterEntropyBits(text: string): number {
  const chars = [...text];
  const counts = new Map<string, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}
