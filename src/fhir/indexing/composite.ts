/**
 * Composite parameters (R4 search.html#composite): each focus of the
 * parameter's expression (the Observation itself, each Observation.component,
 * each useContext…) yields one row per combination of its component values,
 * so `code-value-quantity=loinc|8480-6$gt100` can only match a code and a
 * value that sit on the same focus.
 */
import { compileFastForResource, compileFastRelative, resourceNode } from './fast-compile.js';
import type { FastNode } from './fast-compile.js';
import { compileFhirpath } from './fhirpath-engine.js';
import type { IndexValue } from './index-rows.js';
import { indexValueKey, indexValuesOf, isValueType } from './index-values.js';
import type { ValueType } from './index-values.js';
import type { SearchParamDef } from '../search/types.js';
import type { TypedValue } from './typed-value.js';

/** Evaluates the composite on a resource: one array of component values per row. */
export type CompositeEvaluator = (resource: { resourceType: string }) => IndexValue[][];

type ComponentEval = (focus: TypedValue, resource: unknown) => TypedValue[];

/**
 * Composite searches take no modifiers (so no `:text`): token values
 * without a code, such as CodeableConcept.text alone, could never match and
 * would only multiply the rows.
 */
function tagged(type: ValueType, values: readonly TypedValue[]): IndexValue[] {
  const list = type === 'token' ? indexValuesOf('token', values).filter((v) => v.value !== null) : indexValuesOf(type, values);
  return list.map((v) => ({ type, ...v }) as IndexValue);
}

function product(lists: readonly IndexValue[][]): IndexValue[][] {
  let acc: IndexValue[][] = [[]];
  for (const list of lists) {
    const next: IndexValue[][] = [];
    for (const prefix of acc) for (const v of list) next.push([...prefix, v]);
    acc = next;
  }
  return acc;
}

function build(
  foci: (resource: { resourceType: string }) => TypedValue[],
  components: readonly { type: ValueType; run: ComponentEval }[],
): CompositeEvaluator {
  return (resource) => {
    const rows: IndexValue[][] = [];
    const seen = new Set<string>();
    for (const focus of foci(resource)) {
      const lists = components.map((c) => tagged(c.type, c.run(focus, resource)));
      if (lists.some((l) => l.length === 0)) continue;
      for (const row of product(lists)) {
        const key = row.map(indexValueKey).join('\u0002');
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push(row);
      }
    }
    return rows;
  };
}

function componentTypes(def: SearchParamDef): ValueType[] | null {
  const types = def.components.map((c) => c.type);
  return types.every(isValueType) ? (types as ValueType[]) : null;
}

/** Accessor-compiled composite, or null if any part is outside the fast subset. */
export function compileFastComposite(def: SearchParamDef): CompositeEvaluator | null {
  const types = componentTypes(def);
  if (def.expression === null || types === null) return null;
  const focus = compileFastForResource(def.expression, def.resourceType);
  if (focus === null) return null;
  const comps = def.components.map((c) => compileFastRelative(c.expression, focus.out, def.resourceType));
  if (comps.some((c) => c === null)) return null;
  return build(
    (resource) => focus.run([resourceNode(resource)], resource),
    comps.map((c, i) => ({
      type: types[i]!,
      run: (f: TypedValue, resource: unknown) => c!.run([f as FastNode], resource),
    })),
  );
}

/** fhirpath.js composite; throws if fhirpath.js rejects an expression. Null if not indexable. */
export function compileFhirpathComposite(def: SearchParamDef): CompositeEvaluator | null {
  const types = componentTypes(def);
  if (def.expression === null || types === null) return null;
  const focus = compileFhirpath(def.expression);
  return build(
    (resource) => focus(resource, resource),
    def.components.map((c, i) => {
      const run = compileFhirpath(c.expression);
      return { type: types[i]!, run: (f: TypedValue, resource: unknown) => run(f.node, resource) };
    }),
  );
}
