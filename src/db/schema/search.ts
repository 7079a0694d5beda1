import { doublePrecision, index, jsonb, pgTable, text, timestamp, type PgColumnBuilderBase } from 'drizzle-orm/pg-core';

/*
 * Typed search index tables, one per parameter type, filled at write time from
 * the R4 SearchParameter expressions (src/fhir/indexing/extract.ts) in the resource's transaction.
 * Policies defeat non-LEAKPROOF operators, so every column a search compares uses a type whose
 * btree operators are leakproof (text, timestamptz, double precision: numeric's are not), and
 * every index leads with tenant_id (tenant set) so one tenant's searches never scan another's.
 * The shared set has the same tables, prefixed shared_, without tenant_id.
 */

type Columns = Record<string, PgColumnBuilderBase>;

const resourceKey = {
  resourceType: text('resource_type').notNull(),
  id: text('id').notNull(),
  code: text('code').notNull(),
};

interface IndexSpec {
  name: string;
  columns: Columns;
  /** Lookup indexes after (tenant_id, resource_type, code) — or, with `bare`, after tenant_id only. */
  lookups: { suffix: string; columns: string[]; bare?: boolean }[];
}

const SPECS: IndexSpec[] = [
  {
    name: 'search_string',
    // value: lower-case, accents folded (starts-with and :contains); exact: as written (:exact).
    columns: { value: text('value').notNull(), exact: text('exact').notNull() },
    lookups: [{ suffix: 'value', columns: ['value'] }],
  },
  {
    name: 'search_token',
    columns: {
      system: text('system'), value: text('value'), display: text('display'),
      typeSystem: text('type_system'), typeCode: text('type_code'),
    },
    lookups: [{ suffix: 'value', columns: ['value', 'system'] }],
  },
  {
    name: 'search_reference',
    columns: {
      targetType: text('target_type'), targetId: text('target_id'), url: text('url'),
      identifierSystem: text('identifier_system'), identifierValue: text('identifier_value'),
    },
    lookups: [
      { suffix: 'target', columns: ['target_id', 'target_type'] },
      // _revinclude and _has walk references backwards, from the target.
      { suffix: 'reverse', columns: ['target_type', 'target_id', 'resource_type', 'code'], bare: true },
    ],
  },
  {
    name: 'search_date',
    columns: { low: timestamp('low', { withTimezone: true, precision: 3 }).notNull(), high: timestamp('high', { withTimezone: true, precision: 3 }).notNull() },
    lookups: [{ suffix: 'low', columns: ['low'] }, { suffix: 'high', columns: ['high'] }],
  },
  {
    name: 'search_number',
    columns: { value: doublePrecision('value').notNull(), low: doublePrecision('low').notNull(), high: doublePrecision('high').notNull() },
    lookups: [{ suffix: 'value', columns: ['value'] }],
  },
  {
    name: 'search_quantity',
    columns: {
      value: doublePrecision('value'), low: doublePrecision('low'), high: doublePrecision('high'),
      system: text('system'), unit: text('unit'),
      // UCUM quantities in canonical units (src/fhir/terminology/ucum.ts, sql/0021).
      canonicalValue: doublePrecision('canonical_value'), canonicalLow: doublePrecision('canonical_low'),
      canonicalHigh: doublePrecision('canonical_high'), canonicalUnit: text('canonical_unit'),
    },
    lookups: [{ suffix: 'value', columns: ['value'] }, { suffix: 'canonical', columns: ['canonical_unit', 'canonical_value'] }],
  },
  {
    name: 'search_uri',
    columns: { value: text('value').notNull() },
    lookups: [{ suffix: 'value', columns: ['value'] }],
  },
  {
    name: 'search_composite',
    // First component (token, or reference as Type/id) indexed; the rest compared from jsonb.
    columns: { c1System: text('c1_system'), c1Value: text('c1_value'), components: jsonb('components').notNull() },
    lookups: [{ suffix: 'c1', columns: ['c1_value'] }],
  },
];

type AnyCol = { name: string };

function build(spec: IndexSpec, tenant: boolean) {
  const name = tenant ? spec.name : `shared_${spec.name}`;
  const head: Columns = tenant ? { tenantId: text('tenant_id').notNull(), ...resourceKey } : { ...resourceKey };
  return pgTable(name, { ...head, ...spec.columns }, (t) => {
    const col = (c: string) => Object.values(t).find((x) => (x as AnyCol).name === c) as never;
    const lead = (cols: string[]) => (tenant ? ['tenant_id', ...cols] : cols).map(col) as [never, ...never[]];
    return [
      index(`${name}_resource_idx`).on(...lead(['resource_type', 'id'])),
      ...spec.lookups.map((l) =>
        index(`${name}_${l.suffix}_idx`).on(...lead(l.bare ? l.columns : ['resource_type', 'code', ...l.columns]))),
    ];
  });
}

export const searchString = build(SPECS[0]!, true);
export const searchToken = build(SPECS[1]!, true);
export const searchReference = build(SPECS[2]!, true);
export const searchDate = build(SPECS[3]!, true);
export const searchNumber = build(SPECS[4]!, true);
export const searchQuantity = build(SPECS[5]!, true);
export const searchUri = build(SPECS[6]!, true);
export const searchComposite = build(SPECS[7]!, true);

export const sharedSearchString = build(SPECS[0]!, false);
export const sharedSearchToken = build(SPECS[1]!, false);
export const sharedSearchReference = build(SPECS[2]!, false);
export const sharedSearchDate = build(SPECS[3]!, false);
export const sharedSearchNumber = build(SPECS[4]!, false);
export const sharedSearchQuantity = build(SPECS[5]!, false);
export const sharedSearchUri = build(SPECS[6]!, false);
export const sharedSearchComposite = build(SPECS[7]!, false);
