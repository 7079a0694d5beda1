import { resolve } from 'node:path';

/** Every setting the server reads, parsed once from the environment (README: Configuration). */
export interface Config {
  port: number;
  host: string;
  /** Unset: embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /** Who runs migrations on a real server; defaults to databaseUrl. */
  migrationDatabaseUrl: string | undefined;
  dataDir: string;
  dbPoolMax: number;
  adminToken: string | undefined;
  sharedResourceTypes: ReadonlySet<string>;
  maxBodyBytes: number;
  defaultCount: number;
  maxCount: number;
  logLevel: string;
  migrateOnStart: boolean;
  /** Most resources one conditional delete may remove; more matches → 412. */
  conditionalDeleteMax: number;
  /** Most entries of a transaction or batch Bundle; more → 413 (a tenant may set a lower one). */
  maxBundleEntries: number;
}

export const DEFAULT_SHARED_TYPES = [
  'CodeSystem', 'ValueSet', 'ConceptMap', 'NamingSystem',
  'Practitioner', 'PractitionerRole', 'Organization', 'Location',
];

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function list(raw: string | undefined, fallback: string[]): string[] {
  if (raw === undefined) return fallback;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  }
  return {
    port: int(env, 'PORT', 8080, 0),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    migrationDatabaseUrl: env.MIGRATION_DATABASE_URL || databaseUrl,
    dataDir: resolve(env.DATA_DIR || './data'),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10),
    adminToken,
    sharedResourceTypes: new Set(list(env.SHARED_RESOURCE_TYPES, DEFAULT_SHARED_TYPES)),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 16 * 1024 * 1024),
    defaultCount: int(env, 'DEFAULT_COUNT', 20),
    maxCount: int(env, 'MAX_COUNT', 1000),
    logLevel: env.LOG_LEVEL || 'info',
    migrateOnStart: env.MIGRATE_ON_START !== 'false',
    conditionalDeleteMax: int(env, 'CONDITIONAL_DELETE_MAX', 10),
    maxBundleEntries: int(env, 'MAX_BUNDLE_ENTRIES', 10_000),
  };
}
