import { createHmac, timingSafeEqual } from 'node:crypto';
import { FhirError } from '../../core/errors.js';

/*
 * Keyset paging cursors. A next (or previous) link carries where its page starts: the sort values
 * of the last (first) row of this page and its unique (resource_type, id), plus the first page's
 * time (the snapshot later pages are ordered by, see to-sql.ts). The cursor is signed with a key
 * derived from the tenant-context key, over the tenant, the base, the path and the normalized
 * query: replayed in another tenant, on another base or with other parameters it is refused (400)
 * before any database work, so it can never page through rows its parameters did not select.
 */

export interface PageCursor {
  /** `after`: the page after `keys`/`type`/`id` in the search's order; `before`: the page before it. */
  dir: 'after' | 'before';
  /** Sort values of the boundary row, as SQL text (null: the row has none), one per sort key. */
  keys: (string | null)[];
  type: string;
  id: string;
  /** The first page's time (ISO instant): later pages list what existed then, in its order then. */
  snapshot: string;
}

/** What a cursor is bound to: replayed anywhere else it is refused. */
export interface CursorBinding {
  /** `tenant:<id>` or `shared`. */
  scope: string;
  base: string;
  path: string;
  /** The normalized query of the link, without the cursor itself. */
  query: string;
}

/** A long string sort value makes a long cursor; anything far beyond one is not ours. */
const MAX_CURSOR_CHARS = 16_384;

const keys = new Map<string, Buffer>();

/** The cursor key: derived from the tenant-context key, so no setting is added and every server of one database agrees. */
function cursorKey(contextKey: string): Buffer {
  let key = keys.get(contextKey);
  if (key === undefined) {
    key = createHmac('sha256', contextKey).update('fhir-rls/search-cursor/v1').digest();
    keys.set(contextKey, key);
  }
  return key;
}

function mac(contextKey: string, binding: CursorBinding, payload: string): Buffer {
  const bound = JSON.stringify([binding.scope, binding.base, binding.path, binding.query, payload]);
  return createHmac('sha256', cursorKey(contextKey)).update(bound).digest();
}

export function sealCursor(contextKey: string, binding: CursorBinding, cursor: PageCursor): string {
  const payload = Buffer.from(JSON.stringify([cursor.dir, cursor.keys, cursor.type, cursor.id, cursor.snapshot])).toString('base64url');
  return `${payload}.${mac(contextKey, binding, payload).toString('base64url')}`;
}

const invalid = () => FhirError.badRequest(
  'Invalid _cursor: it belongs to another search, base or tenant, or was altered; follow the links of the Bundle as they were given',
  ['_cursor'],
);

export function openCursor(contextKey: string, binding: CursorBinding, token: string): PageCursor {
  if (token.length > MAX_CURSOR_CHARS) throw invalid();
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (rest.length || !/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) throw invalid();
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(contextKey, binding, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  // Signed by us, so well formed; checked anyway, so a change of this format cannot mislead.
  if (!Array.isArray(parsed) || parsed.length !== 5) throw invalid();
  const [dir, values, type, id, snapshot]: unknown[] = parsed;
  if ((dir !== 'after' && dir !== 'before') || typeof type !== 'string' || typeof id !== 'string' || typeof snapshot !== 'string') throw invalid();
  if (!Array.isArray(values) || !values.every((v): v is string | null => v === null || typeof v === 'string')) throw invalid();
  if (Number.isNaN(Date.parse(snapshot))) throw invalid();
  return { dir, keys: values, type, id, snapshot };
}
