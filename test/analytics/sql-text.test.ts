import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileViewDefinition, literal, quoteIdent, ViewDefinitionError } from '../../src/analytics/index.js';
import { jsonbLiteral } from '../../src/analytics/sql-text.js';

const NASTY = [
  "it's", "'); drop table resource; --", 'back\\slash', "\\'; select 1; --", 'E\'x\'', '"dq"', '$$dollar$$',
  'line\nbreak', 'tab\there', 'ünïcødé ✓', '\\\\', "''", '',
];

describe('literal() and quoteIdent()', () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = new PGlite();
  });
  afterAll(async () => {
    await pg.close();
  });

  it('doubles quotes, and uses E-strings with doubled backslashes only when needed', () => {
    expect(literal("it's")).toBe("'it''s'");
    expect(literal('a\\b')).toBe("E'a\\\\b'");
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });

  it('rejects NUL, including as the \\u0000 escape of a JSON literal', () => {
    expect(() => literal('a\u0000b')).toThrow(ViewDefinitionError);
    expect(() => quoteIdent('a\u0000b')).toThrow(ViewDefinitionError);
    expect(() => jsonbLiteral('a\u0000b')).toThrow(ViewDefinitionError);
    expect(jsonbLiteral('a\\u0000b')).toContain('u0000'); // an escaped backslash is fine
  });

  for (const scs of ['on', 'off']) {
    it(`round-trips hostile text through PostgreSQL (standard_conforming_strings ${scs})`, async () => {
      await pg.exec(`set standard_conforming_strings = ${scs}`);
      for (const s of NASTY) {
        const { rows } = await pg.query<{ v: string }>(`select ${literal(s)} as v`);
        expect(rows[0]?.v).toBe(s);
        const named = await pg.query<Record<string, string>>(`select 1 as ${quoteIdent(s || 'x')}`);
        expect(Object.keys(named.rows[0] ?? {})).toEqual([s || 'x']);
      }
      await pg.exec('reset standard_conforming_strings');
    });
  }

  it('keeps hostile constants and FHIRPath strings data, never SQL', async () => {
    await pg.exec(`create table resource (tenant_id text not null, resource_type text not null, id text not null,
      version_id int not null, last_updated timestamptz not null, deleted boolean not null default false, resource jsonb)`);
    for (const s of NASTY) {
      await pg.query(`insert into resource values ('t', 'Patient', $1, 1, now(), false, $2::text::jsonb)`, [
        `p${NASTY.indexOf(s)}`, JSON.stringify({ resourceType: 'Patient', id: `p${NASTY.indexOf(s)}`, gender: s }),
      ]);
    }
    for (const s of NASTY) {
      const fhirpathString = `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`;
      for (const where of [`gender = %g`, `gender = ${fhirpathString}`]) {
        const { sql } = compileViewDefinition({
          resource: 'Patient',
          constant: [{ name: 'g', valueString: s }],
          select: [{ column: [{ name: 'id', path: 'id', type: 'id' }, { name: 'gender', path: 'gender', type: 'string' }] }],
          where: [{ path: where }],
        });
        const { rows } = await pg.query<{ gender: string }>(sql);
        expect(rows.map((r) => r.gender)).toEqual([s]);
      }
    }
    const { rows } = await pg.query<{ n: number }>('select count(*)::int as n from resource');
    expect(rows[0]?.n).toBe(NASTY.length);
  });
});
