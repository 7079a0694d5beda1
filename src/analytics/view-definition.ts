import { invalidView } from './errors.js';
import { validateName } from './sql-text.js';
import { parseConstants, type ConstantDef } from './view-constants.js';

/*
 * The ViewDefinition resource (SQL on FHIR v2), checked and normalised before compilation. Every
 * shape error is a ViewDefinitionError pointing at the offending element (`select[1].forEach`).
 */

export interface ColumnDef {
  name: string;
  path: string;
  type?: string;
  collection?: boolean;
  at: string;
}

export interface SelectDef {
  column: ColumnDef[];
  select: SelectDef[];
  unionAll: SelectDef[];
  forEach?: string;
  forEachOrNull?: string;
  repeat?: string[];
  at: string;
}

export interface WhereDef {
  path: string;
  at: string;
}

export interface ViewDef {
  resource: string;
  select: SelectDef[];
  where: WhereDef[];
  constants: Map<string, ConstantDef>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function arrayAt(obj: Json, key: string, at: string): unknown[] {
  const v = obj[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidView(`${key} must be an array`, `${at}.${key}`);
  return v;
}

function stringAt(obj: Json, key: string, at: string, required: boolean): string | undefined {
  const v = obj[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw invalidView(`${key} must be a non-empty string`, `${at}.${key}`);
  return v;
}

function parseColumn(raw: unknown, at: string): ColumnDef {
  if (!isObject(raw)) throw invalidView('column must be an object', at);
  const name = validateName(raw.name, 'column name', `${at}.name`);
  const path = stringAt(raw, 'path', at, true) as string;
  const col: ColumnDef = { name, path, at };
  const type = stringAt(raw, 'type', at, false);
  if (type !== undefined) col.type = type;
  if (raw.collection !== undefined) {
    if (typeof raw.collection !== 'boolean') throw invalidView('collection must be a boolean', `${at}.collection`);
    col.collection = raw.collection;
  }
  return col;
}

function parseSelect(raw: unknown, at: string): SelectDef {
  if (!isObject(raw)) throw invalidView('select must be an object', at);
  const sel: SelectDef = {
    column: arrayAt(raw, 'column', at).map((c, i) => parseColumn(c, `${at}.column[${i}]`)),
    select: arrayAt(raw, 'select', at).map((s, i) => parseSelect(s, `${at}.select[${i}]`)),
    unionAll: arrayAt(raw, 'unionAll', at).map((s, i) => parseSelect(s, `${at}.unionAll[${i}]`)),
    at,
  };
  const forEach = stringAt(raw, 'forEach', at, false);
  const forEachOrNull = stringAt(raw, 'forEachOrNull', at, false);
  if (forEach !== undefined) sel.forEach = forEach;
  if (forEachOrNull !== undefined) sel.forEachOrNull = forEachOrNull;
  if (raw.repeat !== undefined) {
    const repeat = raw.repeat;
    if (!Array.isArray(repeat) || repeat.length === 0 || !repeat.every((p) => typeof p === 'string' && p.trim() !== '')) {
      throw invalidView('repeat must be a non-empty array of FHIRPath strings', `${at}.repeat`);
    }
    sel.repeat = repeat as string[];
  }
  const iterators = [forEach, forEachOrNull, sel.repeat].filter((x) => x !== undefined).length;
  if (iterators > 1) throw invalidView('use at most one of forEach, forEachOrNull and repeat', at);
  if (sel.column.length === 0 && sel.select.length === 0 && sel.unionAll.length === 0) {
    throw invalidView('select needs at least one of column, select or unionAll', at);
  }
  return sel;
}

/** Checks a ViewDefinition (parsed JSON) and returns its normalised form. */
export function parseViewDefinition(raw: unknown): ViewDef {
  if (!isObject(raw)) throw invalidView('ViewDefinition must be a JSON object');
  if (raw.resourceType !== undefined && raw.resourceType !== 'ViewDefinition') {
    throw invalidView('resourceType must be ViewDefinition', 'resourceType');
  }
  const resource = raw.resource;
  if (typeof resource !== 'string' || !/^[A-Z][A-Za-z]{0,63}$/.test(resource)) {
    throw invalidView('resource must name a FHIR resource type', 'resource');
  }
  const selects = arrayAt(raw, 'select', 'ViewDefinition');
  if (selects.length === 0) throw invalidView('select must have at least one element', 'select');
  const where = arrayAt(raw, 'where', 'ViewDefinition').map((w, i) => {
    const at = `where[${i}]`;
    if (!isObject(w)) throw invalidView('where must be an object', at);
    return { path: stringAt(w, 'path', at, true) as string, at: `${at}.path` };
  });
  return {
    resource,
    select: selects.map((s, i) => parseSelect(s, `select[${i}]`)),
    where,
    constants: parseConstants(arrayAt(raw, 'constant', 'ViewDefinition')),
  };
}
