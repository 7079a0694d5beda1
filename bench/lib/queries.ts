import postgres from 'postgres';

/** The three typical Synthea searches of issue 7 (5), as paths under a tenant's base. */
export interface SearchQueries {
  /** Observation by patient + code + date. */
  obsByPatientCodeDate: string[];
  /** Encounter by patient, newest first. */
  encounterByPatientSorted: string[];
  /** Chained: Observation?subject.name=<family>. */
  obsBySubjectName: string[];
}

export const QUERY_NAMES: Record<keyof SearchQueries, string> = {
  obsByPatientCodeDate: 'Observation?subject=Patient/{id}&code=http://loinc.org|{code}&date=ge{year}-01-01',
  encounterByPatientSorted: 'Encounter?subject=Patient/{id}&_sort=-date',
  obsBySubjectName: 'Observation?subject.name={family}',
};

/** The bench shapes at 100,000 resources (bench/search-100k.ts): the three above plus a reverse chain. */
export interface SearchQueriesWithHas extends SearchQueries {
  /** Reverse chained: Patient?_has:Observation:patient:code=<the patient's most frequent LOINC code>. */
  patientHasObservationCode: string[];
}

export const HAS_QUERY_NAME = 'Patient?_has:Observation:patient:code=http://loinc.org|{code}';

export const QUERY_NAMES_WITH_HAS: Record<keyof SearchQueriesWithHas, string> = { ...QUERY_NAMES, patientHasObservationCode: HAS_QUERY_NAME };

/** What one query instance is made from: a patient, its family name, its most frequent LOINC code and that code's median year. */
interface PatientSample {
  id: string;
  family: string;
  code: string;
  year: string;
}

/**
 * Per patient of the tenant, from its stored data: the patient's most frequent LOINC code and the
 * year of the median of those observations, and its family name. Every patient in id order, or
 * `sample` of them picked at random (a tenant of 100,000 resources has hundreds).
 */
async function patientSamples(superUrl: string, tenant: string, sample?: number): Promise<PatientSample[]> {
  const sql = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<PatientSample[]>`
      with pick as (
        select id, resource->'name'->0->>'family' as family from resource
        where tenant_id = ${tenant} and resource_type = 'Patient' and not deleted
        order by ${sample === undefined ? sql`id` : sql`random()`} limit ${sample ?? null}),
      obs as (
        select substr(resource->'subject'->>'reference', 9) as pid,
               resource->'code'->'coding'->0->>'code' as code,
               resource->>'effectiveDateTime' as at
        from resource where tenant_id = ${tenant} and resource_type = 'Observation' and not deleted
          and resource->'code'->'coding'->0->>'system' = 'http://loinc.org'
          and substr(resource->'subject'->>'reference', 9) in (select id from pick)),
      best as (
        select distinct on (pid) pid, code, count(*) as n,
               percentile_disc(0.5) within group (order by at) as mid
        from obs group by pid, code order by pid, count(*) desc, code)
      select p.id, p.family, b.code, substr(b.mid, 1, 4) as year
      from pick p join best b on b.pid = p.id order by p.id`;
    if (rows.length === 0) throw new Error(`tenant ${tenant}: no patient with LOINC observations`);
    return rows;
  } finally {
    await sql.end();
  }
}

function shapes(tenant: string, rows: PatientSample[]): SearchQueries {
  const base = `/tenants/${tenant}/fhir`;
  return {
    obsByPatientCodeDate: rows.map((r) => `${base}/Observation?subject=Patient/${r.id}&code=${encodeURIComponent(`http://loinc.org|${r.code}`)}&date=ge${r.year}-01-01`),
    encounterByPatientSorted: rows.map((r) => `${base}/Encounter?subject=Patient/${r.id}&_sort=-date`),
    obsBySubjectName: rows.map((r) => `${base}/Observation?subject.name=${encodeURIComponent(r.family)}`),
  };
}

/** One instance of each query per patient of the tenant (see patientSamples). */
export async function searchQueries(superUrl: string, tenant: string): Promise<SearchQueries> {
  return shapes(tenant, await patientSamples(superUrl, tenant));
}

/** The four shapes of bench/search-100k.ts, one instance of each per patient of a random sample of `patients`. */
export async function searchQueriesWithHas(superUrl: string, tenant: string, patients: number): Promise<SearchQueriesWithHas> {
  const rows = await patientSamples(superUrl, tenant, patients);
  return {
    ...shapes(tenant, rows),
    patientHasObservationCode: rows.map((r) => `/tenants/${tenant}/fhir/Patient?_has:Observation:patient:code=${encodeURIComponent(`http://loinc.org|${r.code}`)}`),
  };
}

/** Fails unless every path answers 200 with at least one match (a benchmark of empty answers measures nothing). */
export async function assertMatches(base: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const res = await fetch(base + path);
    const body = (await res.json()) as { entry?: unknown[] };
    if (res.status !== 200 || !body.entry?.length) throw new Error(`${path}: ${res.status}, ${body.entry?.length ?? 0} entries`);
  }
}
