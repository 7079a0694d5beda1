import { SignJWT } from 'jose';

/*
 * `npm run token -- --tenant acme --client app-a --scope "system/*.cruds" [--admin] [--ttl 3600]`:
 * a development token signed with AUTH_JWT_SECRET (HS256), with AUTH_ISSUER / AUTH_AUDIENCE when
 * set. For trying the server and for tests; production tokens come from your authorization server.
 */
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const secret = process.env.AUTH_JWT_SECRET;
if (!secret) {
  console.error('Set AUTH_JWT_SECRET (the same value the server uses).');
  process.exit(2);
}
const claims: Record<string, unknown> = { scope: arg('scope') ?? 'system/*.cruds', client_id: arg('client') ?? 'dev-client' };
const tenant = arg('tenant');
if (tenant) claims[process.env.AUTH_TENANT_CLAIM || 'tenant'] = tenant;
if (args.includes('--admin')) claims[process.env.AUTH_ADMIN_CLAIM || 'fhir_admin'] = true;
let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(`${Number(arg('ttl') ?? 3600)}s`).setSubject(String(claims.client_id));
if (process.env.AUTH_ISSUER) jwt = jwt.setIssuer(process.env.AUTH_ISSUER);
if (process.env.AUTH_AUDIENCE) jwt = jwt.setAudience(process.env.AUTH_AUDIENCE);
console.log(await jwt.sign(new TextEncoder().encode(secret)));
