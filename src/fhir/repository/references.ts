import { raw, sql, type Fragment } from '../../db/sql.js';
import { FhirError } from '../../core/errors.js';
import { ID_PATTERN } from '../../core/ids.js';
import type { Json } from '../../core/json.js';
import { isResourceType } from '../../core/resource-types.js';
import { SHARED_TABLES, type TableSet } from '../../db/table-set.js';

const RELATIVE = new RegExp(`^([A-Za-z]+)/(${ID_PATTERN})(?:/_history/${ID_PATTERN})?$`);

export interface LocalReference {
  type: string;
  id: string;
  /** Where it stands in the resource, for the OperationOutcome. */
  path: string;
}

/**
 * The literal references of a resource that point into this server (R4 §2.3.0 "Literal
 * references": relative `Type/id`). Absolute URLs, URNs and contained `#id` references are not
 * resolved here: they do not name a row of ours. A relative reference that is not `Type/id` of
 * an R4 type is refused, since it could never resolve.
 */
export function collectReferences(value: Json | undefined, path = ''): LocalReference[] {
  // path: the resource's own path (e.g. Patient); element paths are appended with a dot.
  const found: LocalReference[] = [];
  const walk = (v: Json | undefined, at: string): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${at}[${i}]`));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [key, child] of Object.entries(v)) {
      const childPath = at ? `${at}.${key}` : key;
      if (key === 'reference' && typeof child === 'string') {
        const ref = parseLocal(child, childPath);
        if (ref) found.push(ref);
      } else {
        walk(child, childPath);
      }
    }
  };
  walk(value, path);
  return found;
}

function parseLocal(reference: string, path: string): LocalReference | undefined {
  if (reference.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(reference)) return undefined;
  const m = RELATIVE.exec(reference);
  if (!m?.[1] || !m[2] || !isResourceType(m[1])) {
    throw FhirError.unprocessable(`Invalid reference "${reference}": expected Type/id of an R4 resource type`, [path]);
  }
  return { type: m[1], id: m[2], path };
}

/**
 * The references among `refs` that name no resource, not deleted, that the writer's scope can
 * read: its own set, or the shared set for shareable types. Never another tenant's (RLS hides
 * those rows, so they count as missing). `written`: a CTE of the same statement holding the
 * versions it writes (resource_type, id, deleted), which the statement's snapshot cannot see yet,
 * so references between the resources of one write resolve.
 */
export function missingReferencesSql(own: TableSet, shareable: readonly string[], refs: LocalReference[], written?: Fragment): Fragment {
  // Scalar subqueries with LIMIT stay per-reference primary-key lookups (an EXISTS may become a
  // join that scans the whole tenant when its statistics are stale).
  const shared = own.name === 'tenant'
    ? sql` and not (r.t = any(${shareable}::text[]) and (
             select true from ${SHARED_TABLES.current} s where s.resource_type = r.t and s.id = r.i and not s.deleted limit 1) is not null)`
    : raw('');
  // NOT IN (never null here) becomes a hashed subplan: one probe per reference, not a scan of
  // the statement's rows per reference (a Synthea bundle writes 300 resources with 1,000 references).
  const same = written ? sql` and (r.t, r.i) not in (select w.resource_type, w.id from ${written} w where not w.deleted)` : raw('');
  return sql`select r.t, r.i from unnest(${refs.map((r) => r.type)}::text[], ${refs.map((r) => r.id)}::text[]) as r(t, i)
        where (select true from ${own.current} c
               where ${own.key()}c.resource_type = r.t and c.id = r.i and not c.deleted limit 1) is null${shared}${same}`;
}

/** 422 naming the missing references (rows of missingReferencesSql), if there are any. */
export function assertReferencesFound(refs: LocalReference[], missing: { t: string; i: string }[]): void {
  if (missing.length === 0) return;
  const paths = refs.filter((r) => missing.some((m) => m.t === r.type && m.i === r.id)).map((r) => r.path);
  const names = [...new Set(missing.map((m) => `${m.t}/${m.i}`))].join(', ');
  throw FhirError.unprocessable(`Reference to a resource that does not exist here: ${names}`, paths);
}
