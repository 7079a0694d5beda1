import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config.js';
import { FhirError } from '../core/errors.js';
import type { Principal } from './principal.js';
import { parseScopes } from './scopes.js';

export type TokenVerifier = (token: string) => Promise<Principal>;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

// RFC 6750 §3: the challenge names the error, so clients know to fetch a new token.
function invalid(description: string): FhirError {
  return new FhirError(401, 'login', `Invalid token: ${description}`, {
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/"/g, "'")}"` },
  });
}

function claimString(payload: JWTPayload, name: string): string | null {
  const v = payload[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * Verifies bearer JWTs with jose: HS256 with AUTH_JWT_SECRET, or asymmetric keys from a JWKS (URL
 * or file; several keys allow rotation). Only the listed algorithms are accepted, so `alg: none`
 * and algorithm confusion fail. Issuer, audience and expiry are checked with the configured skew.
 */
export function createVerifier(auth: AuthConfig): TokenVerifier | undefined {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (auth.jwtSecret !== undefined) {
    key = new TextEncoder().encode(auth.jwtSecret);
    algorithms = ['HS256'];
  } else if (auth.jwksFile !== undefined) {
    key = createLocalJWKSet(JSON.parse(readFileSync(auth.jwksFile, 'utf8')));
    algorithms = ASYMMETRIC;
  } else if (auth.jwksUrl !== undefined) {
    key = createRemoteJWKSet(new URL(auth.jwksUrl));
    algorithms = ASYMMETRIC;
  } else {
    return undefined;
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        algorithms, issuer: auth.issuer, audience: auth.audience, clockTolerance: auth.clockSkewSeconds, requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw invalid('expired');
      if (err instanceof errors.JWTClaimValidationFailed) throw invalid(`claim ${err.claim} rejected`);
      if (err instanceof errors.JOSEAlgNotAllowed) throw invalid('algorithm not allowed');
      throw invalid('signature or format not accepted');
    }
    return {
      kind: 'token',
      clientId: claimString(payload, 'client_id') ?? claimString(payload, 'azp') ?? claimString(payload, 'sub'),
      tenant: claimString(payload, auth.tenantClaim),
      admin: payload[auth.adminClaim] === true,
      scopes: parseScopes(typeof payload.scope === 'string' ? payload.scope : ''),
    };
  };
}
