import { fromJsonb, type SqlType } from './column-types.js';
import { invalidView } from './errors.js';
import { resourceFocus } from './infer-type.js';
import { compileFhirPath } from './fhirpath-compile.js';
import { compileSelect } from './select-compile.js';
import { Aliases, asBool } from './sql-expr.js';
import { literal, quoteIdent, relationText } from './sql-text.js';
import { parseViewDefinition } from './view-definition.js';
import { checkSqlSize } from './view-limits.js';

/*
 * compileViewDefinition: a SQL on FHIR v2 ViewDefinition -> one PostgreSQL SELECT over the stored
 * resources, evaluated entirely in the database (jsonb + SQL/JSON path; PostgreSQL 15 and 17).
 *
 *   select r0.tenant_id, v0."col", ...
 *   from resource as r0
 *   cross join lateral (<select tree>) as v0
 *   where r0.resource_type = 'Patient' and not r0.deleted and (<where paths>) is true
 *
 * The SQL carries no bind parameters: every value from the view is a quoted literal. It reads
 * whatever the session may see, so on the tenant table row-level security scopes it.
 */

export interface CompileOptions {
  /**
   * `tenant` (default): the source has a tenant_id column and the result leads with it.
   * `shared`: the source has none (shared_resource).
   */
  source?: 'tenant' | 'shared';
  /**
   * The relation to read: a table name (`resource`, `analytics.resource`), or a parenthesised
   * subquery written by the calling code — never text from a request. Defaults to `resource` or
   * `shared_resource` by `source`. It must have the columns resource_type, resource, deleted
   * (unless filterDeleted is false) and, for source `tenant`, tenant_id.
   */
  from?: string;
  /** Skip deleted rows (`not deleted`); default true. */
  filterDeleted?: boolean;
  /**
   * Columns declared without a type get the SQL type of their R4 element (infer-type.ts) instead
   * of jsonb, for SQL views analysts query with plain literals. Off for $run and the spec's
   * tests, whose untyped columns stay JSON values as the ViewDefinition says.
   */
  typeByModel?: boolean;
}

export interface ViewColumn {
  name: string;
  type?: string;
  collection?: boolean;
  /** The PostgreSQL type of the result column. */
  sqlType: SqlType;
}

export interface CompiledView {
  sql: string;
  /** The view's columns in result order (after tenant_id, when there is one). */
  columns: ViewColumn[];
  /** `tenant_id` when the result leads with the tenant column. */
  tenantColumn?: 'tenant_id';
}

/**
 * Tenant rows and shared rows in one source (tenant_id '' for shared), for views that should see
 * both; pass as `from` with source `tenant`.
 */
export const TENANT_AND_SHARED_SOURCE =
  `(select tenant_id, resource_type, id, deleted, resource from resource ` +
  `union all select '' as tenant_id, resource_type, id, deleted, resource from shared_resource)`;

export function compileViewDefinition(view: unknown, options: CompileOptions = {}): CompiledView {
  const def = parseViewDefinition(view);
  const source = options.source ?? 'tenant';
  const relation = relationText(options.from ?? (source === 'tenant' ? 'resource' : 'shared_resource'));
  const aliases = new Aliases();
  const r = 'r0';
  const resource = `${r}.resource`;
  const ctx = { resource, constants: def.constants, aliases, focus: resourceFocus(def.resource) };

  const root = compileSelect({ column: [], select: def.select, unionAll: [], at: 'ViewDefinition' }, resource, '0', ctx);
  if (source === 'tenant' && root.columns.some((c) => c.name === 'tenant_id')) {
    throw invalidView('column name tenant_id is reserved for the tenant column');
  }

  const filters = [`${r}.resource_type = ${literal(def.resource)}`];
  if (options.filterDeleted !== false) filters.push(`not ${r}.deleted`);
  for (const w of def.where) {
    const scope = { focus: resource, resource, rowIndex: '0', constants: def.constants, aliases, at: w.at };
    filters.push(`(${asBool(compileFhirPath(w.path, scope), aliases, 'where path', true)}) is true`);
  }

  const v = 'v0';
  const select = [
    ...(source === 'tenant' ? [`${r}.tenant_id as tenant_id`] : []),
    ...root.columns.map((c) => {
      const value = `${v}.${quoteIdent(c.name)}`;
      return options.typeByModel === true && c.modelType !== undefined ? `${fromJsonb(value, c.modelType)} as ${quoteIdent(c.name)}` : value;
    }),
  ];
  const sql =
    `select ${select.join(', ')}\n` +
    `from ${relation} as ${r}\n` +
    `cross join lateral (${root.sql}) as ${v}\n` +
    `where ${filters.join('\n  and ')}`;
  checkSqlSize(sql.length);

  const columns = root.columns.map(({ def: col, sqlType, modelType }) => {
    const out: ViewColumn = { name: col.name, sqlType: options.typeByModel === true ? modelType ?? sqlType : sqlType };
    if (col.type !== undefined) out.type = col.type;
    if (col.collection !== undefined) out.collection = col.collection;
    return out;
  });
  return source === 'tenant' ? { sql, columns, tenantColumn: 'tenant_id' } : { sql, columns };
}
