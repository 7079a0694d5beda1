import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A new random key (256 bits, hex). */
export function newContextKey(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The embedded database's key, kept beside it in DATA_DIR/context.key (mode 0600) so it survives
 * restarts; made on first use. The database itself keeps only its SHA-256 (sql/0014).
 */
export function embeddedContextKey(dataDir: string): string {
  const file = join(dataDir, 'context.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = newContextKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/**
 * Registers the key (its SHA-256) in the database, as the owner or a superuser: done by the
 * migrator, so `npm run db:migrate` with TENANT_CONTEXT_KEY set is all an operator needs.
 * Several keys may be registered at once (rotation: add the new one, roll the servers over,
 * then delete the old row from fhir_private.context_key).
 */
export const REGISTER_CONTEXT_KEY =
  "insert into fhir_private.context_key (key_hash) values (sha256(convert_to($1, 'UTF8'))) on conflict do nothing";
