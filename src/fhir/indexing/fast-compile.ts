/**
 * Compiles the FHIRPath subset of fast-subset.ts into plain JS
 * accessors over FHIR JSON. fhirpath.js builds a typed node per visited
 * value, which limits extraction to a few thousand resources/s; these
 * accessors only touch the properties the expression names. Types are
 * resolved statically from the same R4 model fhirpath.js uses, so results
 * (value + type) are identical; extract-equivalence.test.ts proves it on the
 * R4 examples.
 *
 * Steps are chained in continuation-passing style: each step hands every
 * value it produces straight to the next one, so no intermediate
 * collections are built and only final results are allocated.
 */
import { childOptions, fhirTypeName, isA, isModelType } from '../../fhirpath/r4-model.js';
import type { ChildOption } from '../../fhirpath/r4-model.js';
import { FastUnsupported, parseFast } from './fast-subset.js';
import type { Root, Step, Term, Union } from './fast-subset.js';
import { referenceTargetType } from './reference-type.js';
import type { TypedValue } from './typed-value.js';

/** A value plus its model key (in `node`), see r4-model.ts. */
export interface FastNode extends TypedValue {
  readonly node: string;
}

/** Static type context: model key → FHIR type of the values that can be there. */
export type KeyTypes = ReadonlyMap<string, string>;

export type FastEvaluator = (focus: readonly FastNode[], resource: unknown) => FastNode[];

/** Receives one value (JSON, FHIR type, model key). */
type Sink = (v: unknown, t: string, key: string, resource: unknown, out: FastNode[]) => void;
/** Feeds the values of an expression, for a focus, into the sink it was bound to. */
type Entry = (focus: readonly FastNode[], resource: unknown, out: FastNode[]) => void;

interface Stage {
  readonly out: KeyTypes;
  readonly wrap: (next: Sink) => Sink;
}

interface Source {
  readonly out: KeyTypes;
  readonly bind: (next: Sink) => Entry;
}

/** key → child options, for the keys that have the child. */
function childTable(name: string, input: KeyTypes): { table: Map<string, readonly ChildOption[]>; out: Map<string, string> } {
  const table = new Map<string, readonly ChildOption[]>();
  const out = new Map<string, string>();
  for (const key of input.keys()) {
    const options = childOptions(key, name);
    if (options === null) continue;
    table.set(key, options);
    for (const o of options) out.set(o.key, o.type);
  }
  if (out.size === 0) throw new FastUnsupported(`no element ${name} on ${[...input.keys()].join(',')}`);
  return { table, out };
}

/** Calls `each` for every non-null child value (arrays flattened). */
function forEachChild(
  v: unknown,
  options: readonly ChildOption[],
  each: (x: unknown, o: ChildOption) => void,
): void {
  if (typeof v !== 'object' || v === null) return;
  const obj = v as Record<string, unknown>;
  for (const o of options) {
    const x = obj[o.jsonKey];
    if (x === undefined || x === null) continue;
    if (Array.isArray(x)) {
      for (const item of x as unknown[]) if (item !== null && item !== undefined) each(item, o);
    } else {
      each(x, o);
    }
  }
}

function childStage(name: string, input: KeyTypes): Stage {
  const { table, out } = childTable(name, input);
  return {
    out,
    wrap: (next) => (v, _t, key, resource, res) => {
      const options = table.get(key);
      if (options !== undefined) forEachChild(v, options, (x, o) => next(x, o.type, o.key, resource, res));
    },
  };
}

function asStage(name: string, input: KeyTypes): Stage {
  const type = fhirTypeName(name);
  if (!isModelType(type)) throw new FastUnsupported(`unknown type ${type}`);
  const out = new Map([...input].filter(([, t]) => isA(t, type)));
  const allowed = new Set(out.values());
  return {
    out,
    wrap: (next) => (v, t, key, resource, res) => {
      if (allowed.has(t)) next(v, t, key, resource, res);
    },
  };
}

function whereEqualsStage(child: string, literal: string, input: KeyTypes): Stage {
  const { table } = childTable(child, input);
  // FHIRPath `=` is only true for a single item equal to the literal.
  const matches = (v: unknown, key: string): boolean => {
    const options = table.get(key);
    if (options === undefined) return false;
    let count = 0;
    let equal = false;
    forEachChild(v, options, (x) => {
      count++;
      equal = x === literal;
    });
    return count === 1 && equal;
  };
  return {
    out: input,
    wrap: (next) => (v, t, key, resource, res) => {
      if (matches(v, key)) next(v, t, key, resource, res);
    },
  };
}

function whereRefTypeStage(type: string, input: KeyTypes): Stage {
  if ([...input.values()].some((t) => t !== 'Reference')) throw new FastUnsupported('resolve() on a non-Reference');
  return {
    out: input,
    wrap: (next) => (v, t, key, resource, res) => {
      if (referenceTargetType(v, resource) === type) next(v, t, key, resource, res);
    },
  };
}

function compileStep(step: Step, input: KeyTypes): Stage {
  switch (step.kind) {
    case 'child':
      return childStage(step.name, input);
    case 'as':
      return asStage(step.type, input);
    case 'whereEquals':
      return whereEqualsStage(step.child, step.literal, input);
    case 'whereRefType':
      return whereRefTypeStage(step.type, input);
  }
}

function compileRoot(root: Root, context: KeyTypes, resourceType: string | null): Source {
  switch (root.kind) {
    case 'context':
      return {
        out: context,
        bind: (next) => (focus, resource, res) => {
          for (const n of focus) next(n.v, n.t, n.node, resource, res);
        },
      };
    case 'paren':
      return compileUnion(root.expr, context, resourceType);
    case 'type': {
      // `Observation.x` and `Resource.x` both start at the resource itself.
      if (resourceType === null || !isA(resourceType, root.name)) {
        throw new FastUnsupported(`root ${root.name} outside a ${resourceType ?? 'resource'} context`);
      }
      const rt = resourceType;
      return {
        out: new Map([[rt, rt]]),
        bind: (next) => (_focus, resource, res) => next(resource, rt, rt, resource, res),
      };
    }
  }
}

function compileTerm(term: Term, context: KeyTypes, resourceType: string | null): Source {
  const root = compileRoot(term.root, context, resourceType);
  const stages: Stage[] = [];
  let out = root.out;
  for (const step of term.steps) {
    const stage = compileStep(step, out);
    stages.push(stage);
    out = stage.out;
  }
  return { out, bind: (next) => root.bind(stages.reduceRight((sink, stage) => stage.wrap(sink), next)) };
}

function compileUnion(u: Union, context: KeyTypes, resourceType: string | null): Source {
  const terms = u.terms.map((t) => compileTerm(t, context, resourceType));
  if (terms.length === 1) return terms[0]!;
  const out = new Map<string, string>();
  for (const t of terms) for (const [k, v] of t.out) out.set(k, v);
  return {
    out,
    bind: (next) => {
      const entries = terms.map((t) => t.bind(next));
      return (focus, resource, res) => {
        for (const e of entries) e(focus, resource, res);
      };
    },
  };
}

const collect: Sink = (v, t, key, _resource, out) => {
  out.push({ v, t, node: key });
};

export interface CompiledFast {
  readonly run: FastEvaluator;
  /** Static types of the results, to compile expressions relative to them. */
  readonly out: KeyTypes;
}

/**
 * Compiles `expr` relative to focus values of the given static types
 * (composite components), or returns null when unsupported.
 */
export function compileFastRelative(expr: string, context: KeyTypes, resourceType: string | null): CompiledFast | null {
  let source: Source;
  try {
    source = compileUnion(parseFast(expr), context, resourceType);
  } catch (e) {
    if (e instanceof FastUnsupported) return null;
    throw e;
  }
  const entry = source.bind(collect);
  return {
    out: source.out,
    run: (focus, resource) => {
      const out: FastNode[] = [];
      entry(focus, resource, out);
      return out;
    },
  };
}

/**
 * Compiles `expr` for a resource of `resourceType` (focus = the resource),
 * or returns null when it is outside the supported subset.
 */
export function compileFastForResource(expr: string, resourceType: string): CompiledFast | null {
  return compileFastRelative(expr, new Map([[resourceType, resourceType]]), resourceType);
}

/** The resource itself as a fast focus node. */
export function resourceNode(resource: { resourceType: string }): FastNode {
  return { v: resource, t: resource.resourceType, node: resource.resourceType };
}
