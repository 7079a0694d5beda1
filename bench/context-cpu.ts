/**
 * Issue 15 (4): what entering the keyed tenant context and the one-statement read cost
 * PostgreSQL, inside one backend (no client, no network: CPU time of the backend from /proc),
 * before and after sql/0022 (the one-statement read), in alternating rounds. The "before" functions are the definitions of
 * sql/0014 (open_context) and sql/0017 (read_resource) as they stand in those files, created
 * under other names in a database of their own; everything runs as the unprivileged API login
 * with RLS in force. Variants, each a loop of BENCH_CONTEXT_N transactions (a procedure that
 * COMMITs after each):
 *   pk            set role fhir_app + a primary-key SELECT, no context: RLS hides every row (the floor)
 *   open_context  set role + open_context(key, tenant, 'tenant'), sql/0014's definition / the live one
 *                 (the same since sql/0022 left it alone: a calibration of the method, ≈ 1.0)
 *   pk+context    set role + open_context + the primary-key SELECT (one tenant() check), after
 *   read          fhir_private.read_resource(...) of a current version, before / after
 * Run: npm run bench:context
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { BenchContext, standalone } from './lib/context.js';
import { processCpuMs } from './lib/proc-cpu.js';
import { writeResult } from './lib/results.js';
import { BENCH_CONTEXT_KEY, createFhirDatabase } from './lib/stack.js';
import { median, round } from './lib/stats.js';

const N = Number(process.env.BENCH_CONTEXT_N ?? 3000);
const ROUNDS = Number(process.env.BENCH_CONTEXT_ROUNDS ?? 6);
const TENANT = 'ctx';

/** The CREATE FUNCTION of `name` in a migration file, renamed to `as`. */
function definition(file: string, name: string, as: string): string {
  const text = readFileSync(new URL(`../sql/${file}`, import.meta.url), 'utf8');
  const start = text.indexOf(`CREATE OR REPLACE FUNCTION fhir_private.${name}(`);
  if (start < 0) throw new Error(`${name} not found in sql/${file}`);
  const end = text.indexOf('END $$;', start) + 'END $$;'.length;
  return text.slice(start, end).replace(`fhir_private.${name}(`, `fhir_private.${as}(`);
}

const VARIANTS = ['pk', 'open_context:before', 'open_context:after', 'pk+context', 'read:before', 'read:after'] as const;
type Variant = (typeof VARIANTS)[number];

export async function runContextCpu(ctx: BenchContext) {
  const cluster = await ctx.cluster();
  const db = await createFhirDatabase(cluster, 'ctxcpu');
  const admin = postgres(db.superUrl, { max: 1, onnotice: () => {} });
  try {
    const before = definition('0017_injection_hardening.sql', 'read_resource', 'read_resource_before')
      .replaceAll('fhir_private.open_context(', 'fhir_private.open_context_before(');
    await admin.unsafe(definition('0014_keyed_context.sql', 'open_context', 'open_context_before'));
    await admin.unsafe('alter function fhir_private.open_context_before(text, text, text, text) owner to fhir_owner');
    await admin.unsafe(before);
    await admin.unsafe(`
      set fhir.maintenance = 'on';
      insert into tenant (id, name) values ('${TENANT}', '${TENANT}');
      insert into resource (tenant_id, resource_type, id, version_id, last_updated, resource)
        select '${TENANT}', 'Patient', 'p' || g, 1, now(), '{"resourceType":"Patient","active":true}' from generate_series(1, 10000) g;
      create procedure public.bench_context_loop(p_variant text, n int) language plpgsql as $$
      declare b text; k text := '${BENCH_CONTEXT_KEY}'; t text := '${TENANT}';
      begin
        for i in 1..n loop
          case p_variant
            when 'pk' then
              perform set_config('role', 'fhir_app', true);
              select resource::text into b from public.resource where tenant_id = t and resource_type = 'Patient' and id = 'p' || (1 + i % 9999);
              b := 'hidden';
            when 'open_context:before' then
              perform set_config('role', 'fhir_app', true);
              b := fhir_private.open_context_before(k, t, 'tenant');
            when 'open_context:after' then
              perform set_config('role', 'fhir_app', true);
              b := fhir_private.open_context(k, t, 'tenant');
            when 'pk+context' then
              perform set_config('role', 'fhir_app', true), fhir_private.open_context(k, t, 'tenant');
              select resource::text into b from public.resource where tenant_id = t and resource_type = 'Patient' and id = 'p' || (1 + i % 9999);
            when 'read:before' then
              select body into b from fhir_private.read_resource_before(k, t, 'Patient', 'p' || (1 + i % 9999), null, false, '0');
            when 'read:after' then
              select body into b from fhir_private.read_resource(k, t, 'Patient', 'p' || (1 + i % 9999), null, false, '0');
          end case;
          if b is null then raise exception '% found nothing', p_variant; end if;
          commit;
        end loop;
      end $$;
      grant execute on procedure public.bench_context_loop(text, int) to public;
      grant execute on function fhir_private.read_resource_before(text, text, text, text, integer, boolean, text) to fhir_app;`);
  } finally {
    await admin.end();
  }
  // One connection of the API login: its backend's CPU is read between calls.
  const api = postgres(db.apiUrl, { max: 1, onnotice: () => {} });
  const runs: Record<Variant, number[]> = Object.fromEntries(VARIANTS.map((v) => [v, []])) as unknown as Record<Variant, number[]>;
  try {
    const [row] = await api<{ pid: number }[]>`select pg_backend_pid() as pid`;
    if (row === undefined) throw new Error('no backend pid');
    const pid = row.pid;
    for (const v of VARIANTS) await api.unsafe(`call public.bench_context_loop('${v}', 200)`); // warm: plans cached
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        const c0 = processCpuMs(pid);
        await api.unsafe(`call public.bench_context_loop('${v}', ${N})`);
        runs[v].push(((processCpuMs(pid) - c0) * 1000) / N);
      }
    }
  } finally {
    await api.end();
  }
  const ratio = (a: Variant, b: Variant) => round(median(runs[a].map((x, i) => x / runs[b][i]!)), 3);
  const table = VARIANTS.map((v) => ({ variant: v, 'µs CPU per transaction (median)': round(median(runs[v]), 1), runs: runs[v].map((x) => Math.round(x)).join(', ') }));
  console.table(table);
  const summary = {
    readAfterOverBefore: ratio('read:after', 'read:before'),
    openContextAfterOverBefore: ratio('open_context:after', 'open_context:before'),
  };
  console.log(JSON.stringify(summary));
  writeResult('context', { setup: { transactions: N, rounds: ROUNDS, tick: 'CPU from /proc in 10 ms ticks: ±3.3 µs per transaction at 3,000' }, summary, table, runs });
  return summary;
}

if (import.meta.url === `file://${process.argv[1]}`) await standalone(runContextCpu);
