import { SignJWT, type JWK } from 'jose';

export const SECRET = 'test-secret-test-secret-test-secret-0123';
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'fhir-rls';
export const authEnv = { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, AUTH_CLOCK_SKEW_SECONDS: '5' };

export interface TokenOptions {
  tenant?: string;
  client?: string;
  scope?: string;
  admin?: boolean;
  issuer?: string;
  audience?: string;
  expiresIn?: number;
  secret?: string;
}

/** An HS256 token for the test server (tests are the only place tokens are minted like this). */
export function token(o: TokenOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = { scope: o.scope ?? 'system/*.cruds', client_id: o.client ?? 'client-1' };
  if (o.tenant !== undefined) claims.tenant = o.tenant;
  if (o.admin) claims.fhir_admin = true;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now - 10)
    .setExpirationTime(now + (o.expiresIn ?? 600)).setIssuer(o.issuer ?? ISSUER).setAudience(o.audience ?? AUDIENCE)
    .sign(new TextEncoder().encode(o.secret ?? SECRET));
}

export function signWith(key: CryptoKey | Uint8Array, alg: string, kid: string, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

export type { JWK };
export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
