import { invalidView } from './errors.js';
import type { Scope } from './fhirpath-compile.js';
import { asArray, asSingle, type Compiled } from './sql-expr.js';
import type { ColumnDef } from './view-definition.js';

/*
 * The SQL type of each view column and the conversion from the compiled FHIRPath value.
 * - boolean -> boolean; integer, positiveInt, unsignedInt -> integer; integer64 -> bigint;
 *   decimal -> numeric;
 * - string-like primitives -> text, and so are date, dateTime, instant and time: FHIR allows
 *   partial dates ("1970-06") and times without zones, which SQL date/timestamptz cannot hold
 *   (cast in the consuming query where the data is known to be complete);
 * - no type, a complex type (HumanName...) or `collection: true` -> jsonb (a collection is a
 *   JSON array, empty when nothing matched).
 */

export type SqlType = 'text' | 'boolean' | 'integer' | 'bigint' | 'numeric' | 'jsonb';

const TEXT_TYPES = new Set([
  'string', 'code', 'id', 'uri', 'url', 'canonical', 'markdown', 'oid', 'uuid', 'base64Binary', 'xhtml',
  'date', 'dateTime', 'instant', 'time',
]);
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

export function sqlTypeOf(col: Pick<ColumnDef, 'type' | 'collection' | 'at'>): SqlType {
  if (col.collection === true) return 'jsonb';
  const type = col.type;
  if (type === undefined) return 'jsonb';
  if (TEXT_TYPES.has(type)) return 'text';
  if (INTEGER_TYPES.has(type)) return 'integer';
  if (type === 'integer64') return 'bigint';
  if (type === 'decimal') return 'numeric';
  if (type === 'boolean') return 'boolean';
  if (/^[A-Z][A-Za-z0-9]*$/.test(type)) return 'jsonb';
  throw invalidView(`unknown column type ${JSON.stringify(type)}`, `${col.at}.type`);
}

/** SQL for the column's value, of exactly type sqlTypeOf(col) (unionAll branches must agree). */
export function columnValue(c: Compiled, col: ColumnDef, scope: Scope): string {
  const type = sqlTypeOf(col);
  if (col.collection === true) return asArray(c);
  if (type === 'boolean' && c.kind === 'bool') return `(${c.sql})::boolean`;
  const single = asSingle(c, scope.aliases, `column "${col.name}"`);
  return fromJsonb(single, type);
}

/** A single jsonb value as SQL type `type` (a JSON string unquoted for text). */
export function fromJsonb(sql: string, type: SqlType): string {
  if (type === 'jsonb') return sql;
  return type === 'text' ? `(${sql} #>> '{}')` : `(${sql} #>> '{}')::${type}`;
}
