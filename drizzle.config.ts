import { defineConfig } from 'drizzle-kit';

// Generation only: drizzle-kit compares the schema with the snapshots in sql/meta,
// so it never needs a database. Migrations are applied by src/db/migrate.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './sql',
  migrations: { table: '__drizzle_migrations', schema: 'drizzle' },
});
