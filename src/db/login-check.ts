import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';
import { sqlState, type Database } from './database.js';

interface LoginRow {
  [column: string]: unknown;
  login: string;
  superuser: boolean;
  bypassrls: boolean;
  owner: boolean;
  admin: boolean;
  analyst: boolean;
  temp: boolean;
}

const LOGIN = `select session_user as login, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
    pg_has_role(session_user, 'fhir_owner', 'MEMBER') as owner, pg_has_role(session_user, 'fhir_admin', 'MEMBER') as admin,
    pg_has_role(session_user, 'fhir_analyst', 'MEMBER') as analyst,
    has_database_privilege(session_user, current_database(), 'TEMP') as temp
  from pg_roles r where r.rolname = session_user`;

/**
 * At start, on PostgreSQL: the context key must be registered (else no request could enter a
 * tenant: refuse to start, saying what to do), and the login should be a member of fhir_app only.
 * Isolation against the server's own SQL holds whatever the login (every transaction switches to
 * fhir_app and needs the key), but against SQL injected into it only when the login itself has no
 * way around the key: a superuser or BYPASSRLS login can RESET ROLE and read everything, an owner
 * can read the key's table, an fhir_admin member runs the admin functions without the key.
 */
export async function checkLogin(db: Database, log: Logger): Promise<void> {
  try {
    await db.transaction((tx) => tx.query("select fhir_private.open_context($1, '', 'shared-read')", [db.contextKey]));
  } catch (err) {
    // 28000 is also pg_hba's refusal of the login: only open_context's own message is the key's.
    if (sqlState(err) === '28000' && err instanceof Error && /context key/.test(err.message)) {
      throw new ConfigError('TENANT_CONTEXT_KEY is not registered in this database: run `npm run db:migrate` with it set '
        + '(MIGRATION_DATABASE_URL as the owner), or as the owner: insert into fhir_private.context_key (key_hash) '
        + "values (sha256(convert_to('<key>', 'UTF8')))");
    }
    // Unreachable now: requests answer 503 until it is back; the key is checked by each of them.
    log.warn({ err }, 'could not check the tenant-context key at start');
    return;
  }
  const [login] = await db.transaction((tx) => tx.query<LoginRow>(LOGIN));
  if (login === undefined) return;
  const excess = [
    login.superuser && 'a superuser', login.bypassrls && 'BYPASSRLS', login.owner && 'a member of fhir_owner',
    login.admin && 'a member of fhir_admin', login.analyst && 'a member of fhir_analyst',
    login.temp && 'allowed to create temporary objects (revoke temporary on database ... from public: sql/0017)',
  ].filter(Boolean);
  if (excess.length > 0) {
    log.warn({ login: login.login, excess }, `SECURITY: the database login "${login.login}" is ${excess.join(', ')}. `
      + 'Tenant isolation holds for the server\'s own SQL, but SQL injected into it could reach other tenants. '
      + `Use a login that is a member of fhir_app only: create role fhir_api login password '...'; grant fhir_app to fhir_api;`);
  }
}
