import { createPublicKey, hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, type JWK } from 'jose';
import { BasaltError } from '../../core/index.js';

/** The JWT signing algorithms Basalt accepts. */
export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'RS256'] as const;

/** One of {@link JWT_ALGORITHMS}. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The HKDF `info` label that makes the JWT key distinct from every other use of SECRET_KEY. */
export const HMAC_KEY_PURPOSE = 'basalt.auth.jwt.hs256';
const KID_PURPOSE = 'basalt.auth.jwt.kid';

/** Keys ready for jose: what signs, what verifies, and the key id tokens carry. */
export interface TokenKeys {
  algorithm: JwtAlgorithm;
  /** Absent for a verify-only service (public key without private key). */
  signingKey: Uint8Array | CryptoKey | undefined;
  verificationKey: Uint8Array | CryptoKey;
  kid: string;
  /** The public JWK (with kid, alg, use) for asymmetric algorithms; undefined for HS256. */
  publicJwk: JWK | undefined;
}

/**
 * Derives the HS256 signing key from SECRET_KEY with HKDF-SHA256, so the raw secret is
 * never the JWT key (and a key leaked from JWT use reveals nothing about other uses).
 */
export function deriveHmacKey(secret: string | Uint8Array, purpose: string = HMAC_KEY_PURPOSE): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), purpose, 32));
}

function configError(message: string, cause?: unknown): BasaltError {
  return new BasaltError('BASALT_CONFIG_INVALID', message, { cause });
}

async function readPem(value: string, what: string): Promise<string> {
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  try {
    return await readFile(value, 'utf8');
  } catch (cause) {
    throw configError(`Could not read the JWT ${what} from the file "${value}"`, cause);
  }
}

/** Options understood by {@link loadTokenKeys}. */
export interface TokenKeyOptions {
  algorithm: JwtAlgorithm;
  secret?: string | Uint8Array | undefined;
  privateKey?: string | undefined;
  publicKey?: string | undefined;
}

/** Turns configuration into jose keys; fails with BASALT_CONFIG_INVALID and a hint when it cannot. */
export async function loadTokenKeys(options: TokenKeyOptions): Promise<TokenKeys> {
  const { algorithm } = options;
  if (!(JWT_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw configError(`Unsupported JWT algorithm "${algorithm}"; use one of ${JWT_ALGORITHMS.join(', ')}`);
  }
  if (algorithm === 'HS256') {
    const { secret } = options;
    if (secret === undefined || secret.length === 0) {
      throw configError('HS256 tokens need a secret: set SECRET_KEY (or pass `secret`)');
    }
    const key = deriveHmacKey(secret);
    // A separate derivation, so the kid identifies the secret without being a hash of the key.
    const kid = Buffer.from(deriveHmacKey(secret, KID_PURPOSE).subarray(0, 12)).toString('base64url');
    // Imported once: handing jose the raw bytes makes it import the key on every call.
    const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    return { algorithm, signingKey: cryptoKey, verificationKey: cryptoKey, kid, publicJwk: undefined };
  }

  if (options.privateKey === undefined && options.publicKey === undefined) {
    throw configError(`${algorithm} tokens need key files: set privateKey (and optionally publicKey)`);
  }
  let signingKey: CryptoKey | undefined;
  let publicPem: string;
  try {
    if (options.privateKey !== undefined) {
      const privatePem = await readPem(options.privateKey, 'private key');
      signingKey = await importPKCS8(privatePem, algorithm);
      publicPem =
        options.publicKey === undefined
          ? createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString()
          : await readPem(options.publicKey, 'public key');
    } else {
      publicPem = await readPem(options.publicKey as string, 'public key');
    }
  } catch (cause) {
    if (cause instanceof BasaltError) throw cause;
    throw configError(`The JWT private key is not a valid PKCS#8 PEM key for ${algorithm}`, cause);
  }
  let verificationKey: CryptoKey;
  try {
    verificationKey = await importSPKI(publicPem, algorithm, { extractable: true });
  } catch (cause) {
    throw configError(`The JWT public key is not a valid SPKI PEM key for ${algorithm}`, cause);
  }
  // jose refuses short RSA keys only when signing; say so at start-up instead.
  const modulusLength = createPublicKey(publicPem).asymmetricKeyDetails?.modulusLength ?? 0;
  if (algorithm === 'RS256' && modulusLength < 2048) {
    throw configError(`The RS256 key has ${modulusLength} bits; use at least 2048 (3072 recommended)`);
  }
  const jwk = await exportJWK(verificationKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    algorithm,
    signingKey,
    verificationKey,
    kid,
    publicJwk: { ...jwk, kid, alg: algorithm, use: 'sig' },
  };
}
