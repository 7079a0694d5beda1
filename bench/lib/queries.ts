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

/**
 * One instance of each query per patient of the tenant, from its stored data: the patient's most
 * frequent LOINC code and the year of the median of those observations, and its family name.
 */
export async function searchQueries(superUrl: string, tenant: string): Promise<SearchQueries> {
  const sql = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string; family: string; code: string; year: string }[]>`
      with obs as (
        select substr(resource->'subject'->>'reference', 9) as pid,
               resource->'code'->'coding'->0->>'code' as code,
               resource->>'effectiveDateTime' as at
        from resource where tenant_id = ${tenant} and resource_type = 'Observation' and not deleted
          and resource->'code'->'coding'->0->>'system' = 'http://loinc.org'),
      best as (
        select distinct on (pid) pid, code, count(*) as n,
               percentile_disc(0.5) within group (order by at) as mid
        from obs group by pid, code order by pid, count(*) desc, code)
      select p.id, p.resource->'name'->0->>'family' as family, b.code, substr(b.mid, 1, 4) as year
      from resource p join best b on b.pid = p.id
      where p.tenant_id = ${tenant} and p.resource_type = 'Patient' and not p.deleted order by p.id`;
    if (rows.length === 0) throw new Error(`tenant ${tenant}: no patient with LOINC observations`);
    const base = `/tenants/${tenant}/fhir`;
    return {
      obsByPatientCodeDate: rows.map((r) => `${base}/Observation?subject=Patient/${r.id}&code=${encodeURIComponent(`http://loinc.org|${r.code}`)}&date=ge${r.year}-01-01`),
      encounterByPatientSorted: rows.map((r) => `${base}/Encounter?subject=Patient/${r.id}&_sort=-date`),
      obsBySubjectName: rows.map((r) => `${base}/Observation?subject.name=${encodeURIComponent(r.family)}`),
    };
  } finally {
    await sql.end();
  }
}

/** Fails unless every path answers 200 with at least one match (a benchmark of empty answers measures nothing). */
export async function assertMatches(base: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const res = await fetch(base + path);
    const body = (await res.json()) as { entry?: unknown[] };
    if (res.status !== 200 || !body.entry?.length) throw new Error(`${path}: ${res.status}, ${body.entry?.length ?? 0} entries`);
  }
}
