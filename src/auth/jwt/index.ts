export { TokenRejectedError, type TokenRejectionReason } from './errors.js';
export {
  deriveHmacKey,
  HMAC_KEY_PURPOSE,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
} from './keys.js';
export {
  type AccessTokenClaims,
  type BaseTokenClaims,
  createTokenService,
  hashToken,
  type IssuedRefreshToken,
  type RefreshTokenClaims,
  type TokenService,
  type TokenServiceOptions,
  type TokenType,
  type VerifyTokenOptions,
} from './token-service.js';
