import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isJsonObject, type Json, type JsonObject } from '../core/json.js';

/*
 * What `npm run import` and $import read: NDJSON (one resource a line, the Bulk Data format) or a
 * FHIR Bundle (transaction, batch, collection, ...: its entries' resources), plain or gzip. Each
 * item keeps its place in the input (`index`: the line number of NDJSON from 1, or the entry's
 * index in Bundle.entry from 0) for failure reports and the checkpoint.
 */

/** One resource read, or the reason a line or entry could not be read (reported, not written). */
export type SourceItem =
  | { index: number; resource: Json }
  | { index: number; error: string };

export type SourceFormat = 'ndjson' | 'bundle';

/** A Bundle file is parsed whole: this bounds the memory one file takes. */
export const MAX_BUNDLE_FILE_BYTES = 256 * 1024 * 1024;
/** One NDJSON line (one resource) at most. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** By name: *.json[.gz] holds one JSON document (a Bundle, or one resource), anything else NDJSON. */
export function formatOf(name: string): SourceFormat {
  return /\.json(\.gz)?$/i.test(name) ? 'bundle' : 'ndjson';
}

const isGzip = (name: string) => /\.gz$/i.test(name);

/** NDJSON lines as items; blank lines are skipped (but counted, so line numbers stay true). */
export async function* ndjsonItems(input: Readable): AsyncGenerator<SourceItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    if (line.length > MAX_LINE_BYTES) {
      yield { index: n, error: `line ${n} is longer than ${MAX_LINE_BYTES} bytes` };
      continue;
    }
    try {
      yield { index: n, resource: JSON.parse(line) as Json };
    } catch {
      yield { index: n, error: `line ${n} is not JSON` };
    }
  }
}

/**
 * The resources of a Bundle's entries, with the references between them resolved as a
 * transaction would (R4 §3.1.0.11.2, fullUrl): an entry whose fullUrl is urn:uuid:X and whose
 * resource has no id gets the id X (so importing a file twice updates rather than duplicates,
 * and a resumed import resolves references to entries written before the crash); any other
 * id-less resource gets a new UUID. References to an entry's fullUrl become Type/id.
 * Conditional references (Type?query) are not resolved: such a resource fails (422).
 */
export function bundleItems(bundle: JsonObject): SourceItem[] {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const targets = new Map<string, string>();
  const resources: (JsonObject | undefined)[] = entries.map((e) => {
    if (!isJsonObject(e) || !isJsonObject(e.resource)) return undefined;
    const r = e.resource;
    const fullUrl = typeof e.fullUrl === 'string' ? e.fullUrl : undefined;
    const uuid = fullUrl?.match(/^urn:uuid:([0-9a-fA-F-]{36})$/)?.[1];
    const id = typeof r.id === 'string' ? r.id : uuid ?? randomUUID();
    const resource = { ...r, id };
    if (fullUrl && typeof r.resourceType === 'string') targets.set(fullUrl, `${r.resourceType}/${id}`);
    return resource;
  });
  return resources.map((r, index): SourceItem => {
    if (r === undefined) return { index, error: `Bundle.entry[${index}] has no resource` };
    return { index, resource: targets.size ? resolveReferences(r, targets) : r };
  });
}

function resolveReferences(value: JsonObject, targets: Map<string, string>): JsonObject {
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isJsonObject(v)) return v;
    const out: JsonObject = {};
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      out[k] = k === 'reference' && typeof child === 'string' ? targets.get(child) ?? child : walk(child);
    }
    return out;
  };
  return walk(value) as JsonObject;
}

async function wholeText(input: Readable, max: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > max) throw new Error(`${what} is larger than ${max} bytes; split it or use NDJSON`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A Bundle's entries, or the one resource a .json file holds. */
export async function documentItems(input: Readable, what: string): Promise<SourceItem[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await wholeText(input, MAX_BUNDLE_FILE_BYTES, what));
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`${what} is not JSON`);
    throw err;
  }
  if (!isJsonObject(doc)) throw new Error(`${what} is not a JSON object`);
  return doc.resourceType === 'Bundle' ? bundleItems(doc) : [{ index: 0, resource: doc }];
}

/** One file to import: its items in order, and how much of it has been read (0 to 1), for an ETA. */
export interface FileInput {
  source: string;
  format: SourceFormat;
  path: string;
  bytes: number;
  items(): AsyncIterable<SourceItem>;
  fraction(): number;
}

/** A file as an import input; its checkpoint is keyed by its absolute path. */
export function fileInput(path: string): FileInput {
  const abs = resolve(path);
  const bytes = statSync(abs).size;
  const format = formatOf(abs);
  let read = 0;
  let entries = { done: 0, total: 0 };
  return {
    source: `file:${abs}`,
    format,
    path: abs,
    bytes,
    fraction: () => (format === 'bundle' ? (entries.total ? entries.done / entries.total : 0) : bytes ? read / bytes : 1),
    async *items() {
      const raw = createReadStream(abs);
      raw.on('data', (chunk) => { read += chunk.length; });
      const text = isGzip(abs) ? raw.pipe(createGunzip()) : raw;
      if (format === 'ndjson') {
        yield* ndjsonItems(text);
        return;
      }
      if (!isGzip(abs) && bytes > MAX_BUNDLE_FILE_BYTES) throw new Error(`${abs} is larger than ${MAX_BUNDLE_FILE_BYTES} bytes; split it or use NDJSON`);
      const all = await documentItems(text, abs);
      entries = { done: 0, total: all.length };
      for (const item of all) {
        entries.done++;
        yield item;
      }
    },
  };
}
