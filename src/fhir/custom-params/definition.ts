/**
 * A stored SearchParameter resource as the parameters it defines, one per base type, checked when
 * it is written (400 with the reason) so that a stored active one always compiles.
 */
import { FhirError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import { isResourceType, resourceTypes } from '../../core/resource-types.js';
import { unionTerms, type Expr } from '../../fhirpath/ast.js';
import { narrowTree } from '../../fhirpath/narrow.js';
import { FhirPathSyntaxError, FhirPathTooDeepError, parseFhirPath } from '../../fhirpath/parse.js';
import { printFhirPath } from '../../fhirpath/print.js';
import { childOptions } from '../../fhirpath/r4-model.js';
import { planFor } from '../indexing/param-plans.js';
import { getSearchParams } from '../search/registry.js';
import { ANY_TARGET_EXCLUDED, type SearchParamDef } from '../search/types.js';
import { checkText, checkTree, tooCostly } from './limits.js';

/** Types whose values the index tables hold; composite and special need more than an expression. */
const SUPPORTED = ['token', 'string', 'reference', 'date', 'quantity', 'number', 'uri'] as const;
export type CustomType = (typeof SUPPORTED)[number];

/** One parameter of a stored SearchParameter, on one base type. */
export interface CustomDef extends SearchParamDef {
  readonly type: CustomType;
  /** The SearchParameter's id in its table set. */
  readonly sourceId: string;
  readonly set: 'tenant' | 'shared';
}

const CODE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
/** Codes the parser reads as something else (parse.ts), whatever the base. */
const RESERVED = new Set(['near']);

function invalid(message: string, at: string): FhirError {
  return new FhirError(400, 'invalid', message, { expression: [`SearchParameter.${at}`] });
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Only an active SearchParameter defines parameters; draft, retired and unknown ones are stored, unused. */
export function isActive(resource: JsonObject): boolean {
  return resource.status === 'active';
}


/**
 * The leading path of each term must exist on the base (`Patient.nmae` is refused): checked
 * through the R4 model as far as it is unambiguous (up to a choice element or a function's
 * argument, whose focus the model cannot tell without evaluating).
 */
function checkPaths(e: Expr, base: string): void {
  switch (e.type) {
    case 'member': {
      const names: string[] = [];
      let x: Expr | undefined = e;
      while (x?.type === 'member') {
        names.unshift(x.name);
        x = x.target;
      }
      if (x !== undefined) return checkPaths(x, base);
      if (names[0] === base || names[0] === 'Resource' || names[0] === 'DomainResource') names.shift();
      let key = base;
      for (const name of names) {
        const options = childOptions(key, name);
        if (options === null) throw invalid(`SearchParameter.expression does not fit ${base}: ${key} has no element "${name}"`, 'expression');
        if (options.length !== 1) return;
        key = options[0]!.key;
      }
      return;
    }
    case 'call': case 'index':
      if (e.target !== undefined) checkPaths(e.target, base);
      return;
    case 'typeop':
      return checkPaths(e.operand, base);
    case 'binary':
      if (e.op === '|') for (const t of unionTerms(e)) checkPaths(t, base);
      return;
    default:
      return;
  }
}

function parseExpression(text: string): Expr {
  checkText(text);
  try {
    const tree = parseFhirPath(text);
    checkTree(tree);
    return tree;
  } catch (err) {
    if (err instanceof FhirPathTooDeepError) throw tooCostly('SearchParameter.expression nests too deep');
    if (err instanceof FhirPathSyntaxError) throw invalid(`SearchParameter.expression is not FHIRPath: ${err.message.slice(0, 200)}`, 'expression');
    throw err;
  }
}

/**
 * The parameters an active SearchParameter defines, or 400 naming what is wrong: an unknown base,
 * an unsupported type, an expression that does not parse, does not fit a base or costs too much,
 * a code taken by an R4 parameter of a base (or `_`-prefixed). Collisions with other stored
 * parameters are the caller's (writes.ts), which knows the scope.
 */
export function definitionsOf(resource: JsonObject, set: CustomDef['set']): CustomDef[] {
  const id = typeof resource.id === 'string' ? resource.id : '';
  const code = resource.code;
  if (typeof code !== 'string' || !CODE.test(code) || RESERVED.has(code)) {
    throw invalid(`SearchParameter.code must be a name of letters, digits and '-' starting with a letter (not _-prefixed, not ${[...RESERVED].join(', ')}); got ${JSON.stringify(code)?.slice(0, 80)}`, 'code');
  }
  const type = SUPPORTED.find((t) => t === resource.type);
  if (type === undefined) {
    throw new FhirError(400, 'not-supported', `SearchParameter.type ${JSON.stringify(resource.type)?.slice(0, 40)} is not supported for stored parameters (supported: ${SUPPORTED.join(', ')})`, { expression: ['SearchParameter.type'] });
  }
  const bases = strings(resource.base);
  if (bases.length === 0) throw invalid('SearchParameter.base must name at least one resource type', 'base');
  for (const b of bases) if (!isResourceType(b)) throw invalid(`SearchParameter.base "${b.slice(0, 60)}" is not a known resource type`, 'base');
  if (typeof resource.expression !== 'string' || resource.expression.trim() === '') throw invalid('SearchParameter.expression is required', 'expression');
  const tree = parseExpression(resource.expression);
  const targets = strings(resource.target);
  for (const t of targets) if (!isResourceType(t)) throw invalid(`SearchParameter.target "${t.slice(0, 60)}" is not a known resource type`, 'target');
  const target = type !== 'reference' ? [] : targets.length ? targets : resourceTypes().filter((t) => t !== ANY_TARGET_EXCLUDED);
  const url = typeof resource.url === 'string' ? resource.url : `SearchParameter/${id}`;
  const description = typeof resource.description === 'string' ? resource.description : '';
  return [...new Set(bases)].map((base) => {
    if (getSearchParams(base).has(code)) {
      throw invalid(`SearchParameter.code "${code}" is already an R4 search parameter of ${base}`, 'code');
    }
    const narrowed = narrowTree(tree, base);
    if (narrowed === null) throw invalid(`SearchParameter.expression has no part that applies to ${base}`, 'expression');
    checkPaths(narrowed, base);
    const def: CustomDef = {
      resourceType: base, url, code, base: bases, type, expression: printFhirPath(narrowed), target, components: [],
      multipleOr: true, multipleAnd: true, comparators: [], modifiers: [], description, sourceId: id, set,
    };
    const plan = planFor(def, 'auto');
    if (typeof plan === 'string') throw invalid(`SearchParameter.expression cannot be evaluated on ${base}: ${plan.slice(0, 200)}`, 'expression');
    return def;
  });
}
