import { BasaltError, type BasaltErrorOptions } from '../../core/index.js';

/** Why a token was refused; each reason has its own safe message. */
export type TokenRejectionReason =
  | 'unsigned'
  | 'algorithm'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'signature'
  | 'malformed'
  | 'claims'
  | 'type'
  | 'revoked'
  | 'reused'
  | 'inactive-user';

const MESSAGES: Record<TokenRejectionReason, string> = {
  unsigned: 'Token is unsigned (alg "none" is not accepted)',
  algorithm: 'Token is signed with an algorithm that is not accepted',
  expired: 'Token has expired',
  'not-yet-valid': 'Token is not yet valid',
  issuer: 'Token was issued by an unexpected issuer',
  audience: 'Token is not intended for this audience',
  signature: 'Token signature is invalid',
  malformed: 'Token is malformed',
  claims: 'Token claims are invalid',
  type: 'Token is of the wrong type',
  revoked: 'Token was revoked (signed out)',
  reused: 'Refresh token was already used: every token of this sign-in is now revoked, sign in again',
  'inactive-user': 'The user of this token is inactive or no longer exists',
};

/**
 * 401 `BASALT_HTTP_UNAUTHENTICATED`: a JWT was refused. `reason` tells which check failed;
 * the message is safe to show to the client (it never echoes the token or key material).
 */
export class TokenRejectedError extends BasaltError {
  readonly reason: TokenRejectionReason;

  constructor(reason: TokenRejectionReason, message?: string, options: BasaltErrorOptions = {}) {
    super('BASALT_HTTP_UNAUTHENTICATED', message ?? MESSAGES[reason], {
      ...options,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"', ...options.headers },
    });
    this.name = 'BasaltError';
    this.reason = reason;
  }
}
