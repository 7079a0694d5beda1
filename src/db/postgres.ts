import postgres from 'postgres';
import type { Database, Tx } from './database.js';

export interface PostgresOptions {
  max: number;
}

export function openPostgres(url: string, options: PostgresOptions): Database & { sql: postgres.Sql } {
  const sql = postgres(url, {
    max: options.max,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: 'fhir-rls' },
  });
  return {
    kind: 'postgres',
    sql,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const result = await sql.begin((t) =>
        fn({ query: (text, params = []) => t.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as never }),
      );
      return result as T;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
