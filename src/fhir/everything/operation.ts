import type { Deps } from '../../env.js';
import { bundleJson, fullUrl, type BundleLink, type EntryParts } from '../bundle.js';
import { withSession, type FhirContext } from '../context.js';
import { FhirError, outcome } from '../../core/errors.js';
import { strict } from '../handlers/search.js';
import { jsonBody } from '../request.js';
import { sendJson } from '../respond.js';
import type { EverythingPage } from '../repository/everything.js';
import type { StoredVersion } from '../repository/stored-version.js';
import { encodeCursor, parametersBody, parseEverything, type EverythingParams } from './params.js';

/*
 * GET|POST [base]/Patient/{id}/$everything (R4 OperationDefinition Patient-everything): a
 * searchset of the patient, its compartment and what those refer to, a page at a time (the
 * next link carries where the next page starts). The caller needs read on Patient; every other
 * type is returned only as far as it may search (members) or read (referenced) it.
 */

async function paramsOf(c: FhirContext, deps: Deps): Promise<EverythingParams> {
  const query = [...new URL(c.req.url).searchParams.entries()];
  // No body at all is no parameters, whatever its media type says.
  const body = c.req.method === 'POST' && (await c.req.text()).trim() !== '' ? jsonBody(c, 'a Parameters resource') : undefined;
  // A page holds up to MAX_COUNT members unless _count says fewer: a client that reads one page
  // (@medplum/core's readPatientEverything) gets a whole ordinary patient.
  const limits = { maxCount: deps.config.maxCount, defaultCount: deps.config.maxCount };
  return parseEverything([...query, ...parametersBody(body)], limits, strict(c));
}

function links(c: FhirContext, id: string, p: EverythingParams, page: EverythingPage): BundleLink[] {
  const url = (extra: [string, string][]) => {
    const q = new URLSearchParams([...p.used, ...extra]).toString();
    return `${c.var.fhirBase}/Patient/${id}/$everything${q ? `?${q}` : ''}`;
  };
  const self = url(p.after === undefined ? [] : [['_cursor', encodeCursor(p.after)]]);
  const out: BundleLink[] = [{ relation: 'self', url: self }];
  if (page.next !== undefined) out.push({ relation: 'next', url: url([['_cursor', encodeCursor(page.next)]]) });
  return out;
}

export async function patientEverything(c: FhirContext, deps: Deps, id?: string): Promise<Response> {
  if (id === undefined) {
    throw new FhirError(400, 'not-supported', 'Patient/$everything is supported for one patient: Patient/{id}/$everything');
  }
  const p = await paramsOf(c, deps);
  const page = await withSession(c, deps, { check: 'access', interaction: 'read', type: 'Patient', instance: true }, async (repo) => {
    const patient = await repo.read('Patient', id);
    if (patient === undefined) throw FhirError.notFound(`Patient/${id} is not known`);
    if (patient.deleted) throw FhirError.gone(`Patient/${id} has been deleted`);
    return repo.everything({ patientId: id, types: p.types, since: p.since, count: p.count, after: p.after });
  });
  const entry = (mode: 'match' | 'include') => (v: StoredVersion): EntryParts => ({ fullUrl: fullUrl(c.var.fhirBase, v), search: { mode }, resource: v.body });
  const entries = [...page.members.map(entry('match')), ...page.referenced.map(entry('include'))];
  if (p.ignored.length) {
    const issues = p.ignored.map((k) => ({ severity: 'warning' as const, code: 'not-supported', diagnostics: `Parameter "${k.slice(0, 80)}" of $everything is not supported and was ignored` }));
    entries.push({ search: { mode: 'outcome' }, resource: JSON.stringify(outcome(issues)) });
  }
  return sendJson(c, 200, bundleJson('searchset', { total: page.total, links: links(c, id, p, page), entries }));
}
