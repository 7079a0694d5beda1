import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { FhirError } from '../../core/errors.js';

/*
 * Keyset paging cursors. A next (or previous) link carries where its page starts: the sort values
 * of the last (first) row of this page and its unique (resource_type, id), plus the first page's
 * time (the snapshot later pages are ordered by, see to-sql.ts). The cursor is sealed with a key
 * derived from the tenant-context key, bound to the tenant, the base, the path and the normalized
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

const bound = (b: CursorBinding) => Buffer.from(JSON.stringify([b.scope, b.base, b.path, b.query]));

/**
 * AES-256-GCM with the binding as associated data: authenticated (a cursor of another tenant,
 * base or query fails the tag) and opaque (a cursor names a row, which under an access policy's
 * criteria the caller may not see).
 */
export function sealCursor(contextKey: string, binding: CursorBinding, cursor: PageCursor): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(contextKey), iv);
  cipher.setAAD(bound(binding));
  const text = Buffer.from(JSON.stringify([cursor.dir, cursor.keys, cursor.type, cursor.id, cursor.snapshot]));
  return Buffer.concat([iv, cipher.update(text), cipher.final(), cipher.getAuthTag()]).toString('base64url');
}

const invalid = () => FhirError.badRequest(
  'Invalid _cursor: it belongs to another search, base or tenant, or was altered; follow the links of the Bundle as they were given',
  ['_cursor'],
);

function decrypt(contextKey: string, binding: CursorBinding, token: string): string {
  if (token.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const data = Buffer.from(token, 'base64url');
  if (data.length < 12 + 16 + 1) throw invalid();
  try {
    const decipher = createDecipheriv('aes-256-gcm', cursorKey(contextKey), data.subarray(0, 12));
    decipher.setAAD(bound(binding));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw invalid(); // the tag does not match: not this binding's cursor, or altered
  }
}

export function openCursor(contextKey: string, binding: CursorBinding, token: string): PageCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decrypt(contextKey, binding, token));
  } catch (err) {
    if (err instanceof FhirError) throw err;
    throw invalid();
  }
  // Sealed by us, so well formed; checked anyway, so a change of this format cannot mislead.
  if (!Array.isArray(parsed) || parsed.length !== 5) throw invalid();
  const [dir, values, type, id, snapshot]: unknown[] = parsed;
  if ((dir !== 'after' && dir !== 'before') || typeof type !== 'string' || typeof id !== 'string' || typeof snapshot !== 'string') throw invalid();
  if (!Array.isArray(values) || !values.every((v): v is string | null => v === null || typeof v === 'string')) throw invalid();
  if (Number.isNaN(Date.parse(snapshot))) throw invalid();
  return { dir, keys: values, type, id, snapshot };
}
