import type { Deps } from '../../env.js';
import { bundleJson, etag, type EntryParts } from '../bundle.js';
import { runBatch, type BatchResult } from '../bundle/batch.js';
import { parseBatchEntries, parseEntries } from '../bundle/entries.js';
import { runTransaction } from '../bundle/transaction.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError, outcome } from '../../core/errors.js';
import { isJsonObject } from '../../core/json.js';
import { jsonBody, returnPreference } from '../request.js';
import { returnApplied, sendJson } from '../respond.js';
import { interactionOptions } from './options.js';

function readBundle(c: FhirContext) {
  const body = jsonBody(c, 'a Bundle');
  if (!isJsonObject(body) || body.resourceType !== 'Bundle') throw FhirError.badRequest('POST to the base takes a Bundle');
  if (body.type !== 'transaction' && body.type !== 'batch') throw FhirError.badRequest('Bundle.type must be transaction or batch');
  return body;
}

function limitOf(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? Math.min(value, fallback) : fallback;
}

/** POST [base] with a transaction or batch Bundle (R4 §3.1.0.11). */
export const bundle = (deps: Deps) => async (c: FhirContext) => {
  const body = readBundle(c);
  // A transaction refuses a malformed entry as a whole; a batch answers it and runs the others.
  const transaction = body.type === 'transaction' ? parseEntries(body, c.var.fhirBase) : undefined;
  const entries = transaction ?? parseBatchEntries(body, c.var.fhirBase);
  const max = deps.config.maxBundleEntries;
  if (entries.length > max) throw FhirError.tooLarge(`The Bundle has ${entries.length} entries; at most ${max} are accepted`);
  const ctx = interactionOptions(c, deps);
  const access = entries.every((e) => e.method === 'GET' || e.method === 'invalid') ? 'read' : 'write';
  const tenantLimit = (tenant: { config: Record<string, unknown> } | null) => {
    const limit = limitOf(tenant?.config.maxBundleEntries, max);
    if (entries.length > limit) throw FhirError.tooLarge(`The Bundle has ${entries.length} entries; this tenant accepts at most ${limit}`);
  };
  const open = <T>(fn: Parameters<typeof withSession<T>>[3]) => withSession(c, deps, { check: 'each-part', write: access === 'write' }, fn);
  if (transaction === undefined) {
    // Once for the whole batch, before its entries: the tenant's bundle limit (and its existence
    // and status) refuse the batch itself, not each entry of it in turn, and an empty batch too.
    await open(async (_repo, info) => tenantLimit(info.tenant));
  }
  const results: BatchResult[] = transaction
    ? await open((repo, info) => {
      tenantLimit(info.tenant);
      return runTransaction(repo, transaction, ctx);
    })
    : await runBatch((fn) => open((repo) => fn(repo)), entries, ctx);
  const preference = returnPreference(c);
  // R4 §3.1.0.8.1 for each write entry, as for the interaction alone; a read or search entry's
  // resource is its answer, whatever the preference. Said applied like a single interaction does.
  returnApplied(c, preference);
  const out: EntryParts[] = results.map((r, i) => {
    const v = r.version;
    const response: EntryParts['response'] = { status: r.status };
    if (v && !v.deleted) {
      response.location = `${v.resourceType}/${v.id}/_history/${v.versionId}`;
      response.etag = etag(v.versionId);
      response.lastModified = v.lastUpdated;
    }
    const write = entries[i]?.method !== 'GET';
    if (r.outcome) response.outcome = r.outcome;
    else if (write && preference === 'OperationOutcome' && r.resource) response.outcome = outcome([{ severity: 'information', code: 'informational', diagnostics: v ? `${v.resourceType}/${v.id}: ${r.status}` : r.status }]);
    const resource = write && preference !== 'representation' ? undefined : r.resource ?? undefined;
    return {
      ...(v ? { fullUrl: `${c.var.fhirBase}/${v.resourceType}/${v.id}` } : {}),
      response,
      ...(resource === undefined ? {} : { resource }),
    };
  });
  return sendJson(c, 200, bundleJson(body.type === 'transaction' ? 'transaction-response' : 'batch-response', { entries: out }));
};
