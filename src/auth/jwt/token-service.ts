import { createHash, randomUUID } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { TokenRejectedError } from './errors.js';
import { type JwtAlgorithm, loadTokenKeys, type TokenKeys } from './keys.js';

/** The two kinds of token the service issues. */
export type TokenType = 'access' | 'refresh';

/** Options for {@link createTokenService}. */
export interface TokenServiceOptions {
  /** Signing algorithm; default `HS256`. Verification accepts this algorithm only. */
  algorithm?: JwtAlgorithm;
  /** SECRET_KEY, for HS256. The JWT key is derived from it with HKDF, never used raw. */
  secret?: string | Uint8Array;
  /** PKCS#8 PEM private key, or a path to a file holding one (EdDSA/RS256). */
  privateKey?: string;
  /** SPKI PEM public key, or a path to one; derived from the private key when omitted. */
  publicKey?: string;
  /** The `iss` claim set and required. */
  issuer: string;
  /** The `aud` claim set and required. */
  audience: string;
  /** Access-token lifetime in seconds; default 300 (5 minutes). */
  accessTtlSeconds?: number;
  /** Refresh-token lifetime in seconds; default 1,209,600 (14 days). */
  refreshTtlSeconds?: number;
  /** Leeway for `exp` and `nbf` checks, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** The clock, in milliseconds since the epoch; default `Date.now`. For tests. */
  now?: () => number;
}

/** Claims every Basalt token carries. */
export interface BaseTokenClaims extends JWTPayload {
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
  aud: string | string[];
  jti: string;
}

/** The verified claims of an access token (plus any custom claims it was issued with). */
export interface AccessTokenClaims extends BaseTokenClaims {
  typ: 'access';
}

/** The verified claims of a refresh token; `fam` is its rotation family. */
export interface RefreshTokenClaims extends BaseTokenClaims {
  typ: 'refresh';
  fam: string;
}

/** A freshly issued refresh token and what a store needs to remember about it. */
export interface IssuedRefreshToken {
  token: string;
  jti: string;
  /** Stays the same across rotations, so reuse of an old token can revoke the whole family. */
  family: string;
  expiresAt: Date;
  /** Hex SHA-256 of `token`: store this, never the token. */
  hash: string;
}

const VERIFIED_CACHE_SIZE = 10_000;

function wrongType(expected: TokenType): TokenRejectedError {
  return new TokenRejectedError(
    'type',
    `Token is of the wrong type: expected ${expected === 'access' ? 'an access' : 'a refresh'} token`,
  );
}

/** Options for {@link TokenService.verify}. */
export interface VerifyTokenOptions<T extends TokenType> {
  type: T;
}

/** Issues and verifies Basalt's access and refresh JWTs. */
export interface TokenService {
  readonly algorithm: JwtAlgorithm;
  /** The key id every issued token carries in its header. */
  readonly kid: string;
  /** Issues a short-lived access token for `subject`, with optional extra claims. */
  issueAccess(subject: string, claims?: Record<string, unknown>): Promise<string>;
  /** Issues a refresh token; pass the `family` of the token being rotated to keep it. */
  issueRefresh(subject: string, family?: string): Promise<IssuedRefreshToken>;
  /** Verifies a token of the given type; throws {@link TokenRejectedError} (401) otherwise. */
  /**
   * The claims of an access token this service verified before (and that is still valid),
   * synchronously; undefined when it has not seen the token. Throws like `verify` when the
   * remembered token has expired. For hot paths: fall back to `verify` on undefined.
   */
  verifyCached(token: string): AccessTokenClaims | undefined;
  verify(token: string, options: VerifyTokenOptions<'access'>): Promise<AccessTokenClaims>;
  verify(token: string, options: VerifyTokenOptions<'refresh'>): Promise<RefreshTokenClaims>;
  verify(
    token: string,
    options: VerifyTokenOptions<TokenType>,
  ): Promise<AccessTokenClaims | RefreshTokenClaims>;
  /** The public JWKS for EdDSA/RS256; `null` for HS256, which has nothing public. */
  jwks(): { keys: JWK[] } | null;
}

const RESERVED_CLAIMS = new Set(['sub', 'iat', 'nbf', 'exp', 'iss', 'aud', 'jti', 'typ', 'fam']);

/** Hex SHA-256 of a token, as refresh-token stores keep it. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toRejection(error: unknown): TokenRejectedError {
  if (error instanceof TokenRejectedError) return error;
  const opts = { cause: error };
  if (error instanceof errors.JWTExpired) return new TokenRejectedError('expired', undefined, opts);
  if (error instanceof errors.JWTClaimValidationFailed) {
    // A missing nbf is a malformed claim set, not a token from the future.
    if (error.claim === 'nbf' && error.reason === 'check_failed')
      return new TokenRejectedError('not-yet-valid', undefined, opts);
    if (error.claim === 'iss') return new TokenRejectedError('issuer', undefined, opts);
    if (error.claim === 'aud') return new TokenRejectedError('audience', undefined, opts);
    return new TokenRejectedError('claims', undefined, opts);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRejectedError('algorithm', undefined, opts);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejectedError('signature', undefined, opts);
  }
  return new TokenRejectedError('malformed', undefined, opts);
}

/**
 * Creates the token service: loads (or derives) the keys once, so a bad key file fails at start-up.
 *
 * @example
 * const tokens = await createTokenService({ secret: config.SECRET_KEY, issuer: 'bookshop', audience: 'bookshop-api' });
 * const access = await tokens.issueAccess(String(user.id));
 * const claims = await tokens.verify(access, { type: 'access' });
 */
export async function createTokenService(options: TokenServiceOptions): Promise<TokenService> {
  const algorithm = options.algorithm ?? 'HS256';
  const keys: TokenKeys = await loadTokenKeys({
    algorithm,
    secret: options.secret,
    privateKey: options.privateKey,
    publicKey: options.publicKey,
  });
  const { issuer, audience } = options;
  const accessTtl = options.accessTtlSeconds ?? 300;
  const refreshTtl = options.refreshTtlSeconds ?? 14 * 24 * 60 * 60;
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const now = options.now ?? Date.now;

  async function sign(subject: string, claims: Record<string, unknown>, ttl: number): Promise<string> {
    if (keys.signingKey === undefined) {
      throw new TypeError('This token service has only a public key: it can verify tokens, not issue them');
    }
    const iat = Math.floor(now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: algorithm, typ: 'JWT', kid: keys.kid })
      .setSubject(subject)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + ttl)
      .setJti(randomUUID())
      .sign(keys.signingKey);
  }

  // Access tokens already verified, by their exact text: a client sends the same token on
  // every request for minutes, and re-verifying the signature dominated the cost of a
  // request (see bench/results, auth suite). Bounded; the oldest entry goes first.
  const verified = new Map<string, AccessTokenClaims | RefreshTokenClaims>();

  /** The claims of a token verified before, rechecking the clock and the type; undefined when unseen. */
  function recall(token: string, type: TokenType): AccessTokenClaims | RefreshTokenClaims | undefined {
    const hit = verified.get(token);
    if (hit === undefined) return undefined;
    // Signature, issuer and audience were checked when the token was first seen; the
    // clock-dependent checks are repeated on every use.
    const seconds = now() / 1000;
    if (seconds > hit.exp + clockTolerance) {
      verified.delete(token);
      throw new TokenRejectedError('expired');
    }
    if (seconds < hit.nbf - clockTolerance) throw new TokenRejectedError('not-yet-valid');
    if (hit.typ !== type) throw wrongType(type);
    return hit;
  }

  async function verify(
    token: string,
    verifyOptions: VerifyTokenOptions<TokenType>,
  ): Promise<AccessTokenClaims | RefreshTokenClaims> {
    if (typeof token !== 'string' || token.length === 0) throw new TokenRejectedError('malformed');
    const hit = recall(token, verifyOptions.type);
    if (hit !== undefined) return hit;
    try {
      const header = decodeProtectedHeader(token);
      // Refuse unsigned tokens by name, before jose, so the message says exactly why.
      if (typeof header.alg === 'string' && header.alg.toLowerCase() === 'none') {
        throw new TokenRejectedError('unsigned');
      }
      const { payload } = await jwtVerify(token, keys.verificationKey, {
        algorithms: [algorithm],
        issuer,
        audience,
        clockTolerance,
        currentDate: new Date(now()),
        requiredClaims: ['sub', 'iat', 'nbf', 'exp', 'jti', 'typ'],
      });
      if (payload.typ !== verifyOptions.type) throw wrongType(verifyOptions.type);
      if (payload.typ === 'refresh' && typeof payload.fam !== 'string') {
        throw new TokenRejectedError('claims');
      }
      const claims = Object.freeze(payload) as AccessTokenClaims | RefreshTokenClaims;
      if (claims.typ === 'access') {
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
        verified.set(token, claims);
      }
      return claims;
    } catch (error) {
      throw toRejection(error);
    }
  }

  return {
    algorithm,
    kid: keys.kid,
    async issueAccess(subject, claims = {}) {
      for (const name of Object.keys(claims)) {
        if (RESERVED_CLAIMS.has(name)) {
          throw new TypeError(`The claim "${name}" is set by the token service and cannot be overridden`);
        }
      }
      return sign(subject, { ...claims, typ: 'access' }, accessTtl);
    },
    async issueRefresh(subject, family = randomUUID()) {
      const token = await sign(subject, { typ: 'refresh', fam: family }, refreshTtl);
      const { jti, exp } = decodeJwt(token) as { jti: string; exp: number };
      return { token, jti, family, expiresAt: new Date(exp * 1000), hash: hashToken(token) };
    },
    verify: verify as TokenService['verify'],
    verifyCached: (token) =>
      typeof token === 'string' ? (recall(token, 'access') as AccessTokenClaims | undefined) : undefined,
    jwks() {
      return keys.publicJwk === undefined ? null : { keys: [{ ...keys.publicJwk }] };
    },
  };
}
