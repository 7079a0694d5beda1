import { parseFhirPath } from '../fhirpath/parse.js';
import type { Expr } from '../fhirpath/ast.js';
import { childOptions, fhirTypeName, type ChildOption } from '../fhirpath/r4-model.js';

/*
 * The FHIR type a column path has by the R4 model, for columns whose ViewDefinition declares none,
 * so that a SQL view made from it has text, integer, numeric or boolean columns analysts compare
 * with plain literals (`where gender = 'female'`). Only what is certain: a chain of members from
 * the focus, through filters that keep the type (where, first...) and ofType() on a choice. Any
 * other expression, an unknown element, or a choice left open is undefined (the column stays jsonb).
 */

/** Where a path stands: a FHIR type, and the model key of its children (r4-model.ts). */
export type Focus = Pick<ChildOption, 'type' | 'key'>;

const KEEPS_TYPE = new Set(['where', 'first', 'last', 'single', 'distinct', 'tail', 'skip', 'take']);

// The model types a few inherited elements (Resource.id, Extension.url) as FHIRPath system types.
const SYSTEM_TYPES: ReadonlyMap<string, string> = new Map([
  ['System.String', 'string'], ['System.Boolean', 'boolean'], ['System.Integer', 'integer'], ['System.Decimal', 'decimal'],
  ['System.Date', 'date'], ['System.DateTime', 'dateTime'], ['System.Time', 'time'],
]);

/** The focus a resource of `type` gives its top-level select. */
export const resourceFocus = (type: string): Focus => ({ type, key: type });

function options(e: Expr, from: Focus): readonly ChildOption[] | undefined {
  if (e.type !== 'member') return undefined;
  const base = e.target === undefined ? from : focusOf(e.target, from);
  return base === undefined ? undefined : childOptions(base.key, e.name) ?? undefined;
}

function focusOf(e: Expr, from: Focus): Focus | undefined {
  switch (e.type) {
    case 'this':
      return from;
    case 'member': {
      const found = options(e, from);
      return found?.length === 1 ? found[0] : undefined;
    }
    case 'call': {
      if (KEEPS_TYPE.has(e.name)) return e.target === undefined ? from : focusOf(e.target, from);
      const [arg] = e.args;
      if (e.name === 'ofType' && e.target !== undefined && arg?.type === 'member' && arg.target === undefined) {
        const wanted = fhirTypeName(arg.name);
        return options(e.target, from)?.find((o) => o.type === wanted);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The focus `path` leads to from `from`, or undefined when the model cannot say for certain. */
export function pathFocus(path: string, from: Focus): Focus | undefined {
  let expr: Expr;
  try {
    expr = parseFhirPath(path);
  } catch {
    return undefined; // the compiler reports the syntax error with its place
  }
  const focus = focusOf(expr, from);
  if (focus === undefined) return undefined;
  const type = SYSTEM_TYPES.get(focus.type) ?? focus.type;
  return { type, key: focus.key };
}
