/**
 * The form a password is hashed and checked in: Unicode NFKC, so `café` typed as one code
 * point (NFC, most keyboards) or as `e` + combining accent (NFD, macOS input, some phones) is
 * the same password, as are full-width and ASCII digits. NIST SP 800-63B §5.1.1.2 asks for it.
 *
 * @example
 * normalizePassword('cafe\u0301') === normalizePassword('caf\u00e9'); // true
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}
