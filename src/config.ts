import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Shortest TENANT_CONTEXT_KEY accepted: 32 characters (openssl rand -hex 32 gives 64). */
export const MIN_CONTEXT_KEY_LENGTH = 32;

/** Every setting the server reads, parsed once from the environment (README: Configuration). */
export interface Config {
  port: number;
  host: string;
  /** Unset: embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /** Who runs migrations on a real server; defaults to databaseUrl. */
  migrationDatabaseUrl: string | undefined;
  dataDir: string;
  /**
   * The tenant-context key (TENANT_CONTEXT_KEY or TENANT_CONTEXT_KEY_FILE): required with
   * DATABASE_URL; the embedded database keeps its own in DATA_DIR/context.key.
   */
  contextKey: string | undefined;
  dbPoolMax: number;
  adminToken: string | undefined;
  /**
   * Whether ADMIN_TOKEN reaches tenant data while token verification is on. Off by default: one
   * static secret would otherwise read every tenant, past the tokens that confine everyone else.
   */
  adminTokenTenantAccess: boolean;
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
  /** Deepest nesting of objects and arrays in a JSON body; deeper → 413. */
  maxJsonDepth: number;
  /** Most parameters of one search (query, form, bundle entry, conditional criteria); more → 400. */
  maxSearchParams: number;
  /** Most comma-separated values of one search parameter; more → 400. */
  maxSearchValues: number;
  auth: AuthConfig;
  /** Per statement, set in each transaction: one slow query cannot hold a connection for ever. */
  statementTimeoutMs: number;
  /** How long opening a database connection may take before the request fails with 503. */
  dbConnectTimeoutSeconds: number;
  /** How long a request may wait for a database transaction to start before a 503. */
  dbStartTimeoutMs: number;
  /** Named prepared statements; false behind PgBouncer in transaction mode (DB_POOLER=pgbouncer). */
  dbPrepare: boolean;
  /** Most distinct statement texts a connection prepares; others run unnamed (backend memory). */
  dbPreparedStatements: number;
  /** Label request metrics with the tenant (off: tenants are unbounded, Prometheus series are not free). */
  metricsTenantLabel: boolean;
  /** On SIGTERM: how long in-flight requests may finish before the process exits anyway. */
  shutdownGraceMs: number;
  /** Fraction of the pool (and of CPU work slots) one tenant may hold at once; at least one each. */
  tenantPoolShare: number;
  /** Nominal CPU-heavy requests (large bodies) in progress at once, of which a tenant gets its share. */
  cpuWorkSlots: number;
  /** A request whose body has at least this many bytes is CPU-heavy (validation, index extraction). */
  cpuHeavyBodyBytes: number;
  /** How long this process trusts a tenant's cached settings (rate limit) without reading the registry. */
  tenantSettingsTtlMs: number;
  /** Browser origins allowed to call the API (CORS_ORIGINS); empty: no CORS headers at all. */
  corsOrigins: readonly string[];
  smart: SmartConfig;
  bulk: BulkConfig;
}

/** Bulk Data jobs (src/bulk/): their runner and their files. */
export interface BulkConfig {
  /** How long a finished job's status and files stay (BULK_FILE_TTL_SECONDS); then both are deleted. */
  fileTtlSeconds: number;
  /** Resources one step reads (and writes) in one transaction: the size of a checkpoint. */
  chunkSize: number;
  /** How often the runner looks for work when idle (a kick-off in this process wakes it at once). */
  pollMs: number;
  /** Steps of different tenants run at once (each also holds one of its tenant's pool slots). */
  workers: number;
  /** Jobs a tenant may have queued or running at once; a kick-off beyond it gets 429. */
  maxJobsPerTenant: number;
  /** URL prefixes $import may read its input from (IMPORT_URL_PREFIXES); empty: none, uploads only. */
  importUrlPrefixes: readonly string[];
  /** Most bytes of NDJSON one $import job takes, uploaded and fetched together (IMPORT_MAX_BYTES). */
  importMaxBytes: number;
}

/**
 * What `[base]/.well-known/smart-configuration` announces (SMART App Launch 2.0): the
 * authorization server is elsewhere; this server only verifies its tokens.
 */
export interface SmartConfig {
  authorizeUrl: string | undefined;
  tokenUrl: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  capabilities: readonly string[];
  scopesSupported: readonly string[] | undefined;
}

/**
 * What this server itself enforces (auth/scopes.ts: v1 and v2 scopes, user and system level; a
 * patient/ scope is not confined to a patient's compartment, so permission-patient is not claimed),
 * and the backend-service clients any token endpoint serves. The authorization server's other
 * abilities (launch-standalone, client-public, ...) are the operator's to add.
 */
export const DEFAULT_SMART_CAPABILITIES = ['client-confidential-asymmetric', 'client-confidential-symmetric', 'permission-v1', 'permission-v2', 'permission-user'];

/** Token verification (README: Tokens). None of the key settings given: gateway mode. */
export interface AuthConfig {
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  jwksFile: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  clockSkewSeconds: number;
  tenantClaim: string;
  /** A token whose claim of this name is true may use the admin API. */
  adminClaim: string;
}

export function authConfigured(auth: AuthConfig): boolean {
  return auth.jwtSecret !== undefined || auth.jwksUrl !== undefined || auth.jwksFile !== undefined;
}

export const DEFAULT_SHARED_TYPES = [
  'CodeSystem', 'ValueSet', 'ConceptMap', 'NamingSystem',
  'Practitioner', 'PractitionerRole', 'Organization', 'Location',
  // Stored search parameters written to the shared set apply to every tenant (custom-params/).
  'SearchParameter',
];

export class ConfigError extends Error {}

/**
 * Runs a step of a start (a server, a CLI): a ConfigError, a setting the operator must fix, ends
 * the process with that one line on stderr and status 1, not a stack trace. Anything else is thrown.
 */
export async function exitOnConfigError<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`fhir-rls: ${err.message}\n`);
    process.exit(1);
  }
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new ConfigError(`${name} must be a number in (0, 1], got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

function list(raw: string | undefined, fallback: string[]): string[] {
  if (raw === undefined) return fallback;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function contextKey(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.TENANT_CONTEXT_KEY_FILE || undefined;
  let key = env.TENANT_CONTEXT_KEY || undefined;
  if (file !== undefined) {
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`TENANT_CONTEXT_KEY_FILE ${file} cannot be read: ${(err as Error).message}`);
    }
  }
  if (key !== undefined && key.length < MIN_CONTEXT_KEY_LENGTH) {
    throw new ConfigError(`TENANT_CONTEXT_KEY must be at least ${MIN_CONTEXT_KEY_LENGTH} characters (openssl rand -hex 32)`);
  }
  return key;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  }
  if (env.AUTH_JWT_SECRET && env.AUTH_JWT_SECRET.length < 32) {
    throw new ConfigError('AUTH_JWT_SECRET must be at least 32 characters (HS256 needs 256 bits)');
  }
  return {
    port: int(env, 'PORT', 8080, 0),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    migrationDatabaseUrl: env.MIGRATION_DATABASE_URL || databaseUrl,
    dataDir: resolve(env.DATA_DIR || './data'),
    contextKey: contextKey(env),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10),
    adminToken,
    adminTokenTenantAccess: bool(env, 'ADMIN_TOKEN_TENANT_ACCESS', false),
    sharedResourceTypes: new Set(list(env.SHARED_RESOURCE_TYPES, DEFAULT_SHARED_TYPES)),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 16 * 1024 * 1024),
    defaultCount: int(env, 'DEFAULT_COUNT', 20),
    maxCount: int(env, 'MAX_COUNT', 1000),
    logLevel: env.LOG_LEVEL || 'info',
    migrateOnStart: env.MIGRATE_ON_START !== 'false',
    conditionalDeleteMax: int(env, 'CONDITIONAL_DELETE_MAX', 10),
    maxBundleEntries: int(env, 'MAX_BUNDLE_ENTRIES', 10_000),
    maxJsonDepth: int(env, 'MAX_JSON_DEPTH', 64),
    maxSearchParams: int(env, 'MAX_SEARCH_PARAMS', 50),
    maxSearchValues: int(env, 'MAX_SEARCH_VALUES', 100),
    statementTimeoutMs: int(env, 'STATEMENT_TIMEOUT_MS', 30_000, 0),
    dbConnectTimeoutSeconds: int(env, 'DB_CONNECT_TIMEOUT_SECONDS', 5),
    dbPrepare: env.DB_POOLER !== 'pgbouncer',
    dbPreparedStatements: int(env, 'DB_PREPARED_STATEMENTS', 200, 0),
    dbStartTimeoutMs: int(env, 'DB_START_TIMEOUT_MS', 5_000),
    metricsTenantLabel: env.METRICS_TENANT_LABEL === 'true',
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0),
    tenantPoolShare: fraction(env, 'TENANT_POOL_SHARE', 0.5),
    cpuWorkSlots: int(env, 'CPU_WORK_SLOTS', 4),
    cpuHeavyBodyBytes: int(env, 'CPU_HEAVY_BODY_BYTES', 256 * 1024),
    tenantSettingsTtlMs: int(env, 'TENANT_SETTINGS_TTL_MS', 3_000, 0),
    corsOrigins: list(env.CORS_ORIGINS || undefined, []),
    smart: {
      authorizeUrl: env.SMART_AUTHORIZE_URL || undefined,
      tokenUrl: env.SMART_TOKEN_URL || undefined,
      jwksUrl: env.SMART_JWKS_URL || env.AUTH_JWKS_URL || undefined,
      issuer: env.SMART_ISSUER || env.AUTH_ISSUER || undefined,
      capabilities: list(env.SMART_CAPABILITIES || undefined, DEFAULT_SMART_CAPABILITIES),
      scopesSupported: env.SMART_SCOPES_SUPPORTED ? list(env.SMART_SCOPES_SUPPORTED, []) : undefined,
    },
    bulk: {
      fileTtlSeconds: int(env, 'BULK_FILE_TTL_SECONDS', 24 * 3600),
      chunkSize: int(env, 'BULK_CHUNK_SIZE', 1000),
      pollMs: int(env, 'BULK_POLL_MS', 2000),
      workers: int(env, 'BULK_WORKERS', 2),
      maxJobsPerTenant: int(env, 'BULK_MAX_JOBS_PER_TENANT', 5),
      importUrlPrefixes: list(env.IMPORT_URL_PREFIXES || undefined, []),
      importMaxBytes: int(env, 'IMPORT_MAX_BYTES', 64 * 1024 * 1024),
    },
    auth: {
      jwtSecret: env.AUTH_JWT_SECRET || undefined,
      jwksUrl: env.AUTH_JWKS_URL || undefined,
      jwksFile: env.AUTH_JWKS_FILE || undefined,
      issuer: env.AUTH_ISSUER || undefined,
      audience: env.AUTH_AUDIENCE || undefined,
      clockSkewSeconds: int(env, 'AUTH_CLOCK_SKEW_SECONDS', 60, 0),
      tenantClaim: env.AUTH_TENANT_CLAIM || 'tenant',
      adminClaim: env.AUTH_ADMIN_CLAIM || 'fhir_admin',
    },
  };
}
