import type { Scope } from './fhirpath-compile.js';
import { asSingle, bind, value, type Aliases, type Compiled } from './sql-expr.js';
import { literal } from './sql-text.js';

/*
 * lowBoundary() / highBoundary() (FHIRPath N2, experimental in SQL on FHIR): the least and
 * greatest values a value of limited precision may stand for. Decimals widen by half a unit in
 * the last digit (1.0 -> 0.95 .. 1.05, using the scale jsonb keeps from the stored text); partial
 * dates, dateTimes and times are filled out to the first or last instant, a dateTime without a
 * zone taking +14:00 (low) or -12:00 (high). The type comes from ofType() when known, else from
 * the JSON: a number is a decimal, `hh:` a time, text with `T` a dateTime, other text a date.
 */

type Which = 'low' | 'high';

const DATE_RE = literal('^([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?$');
const DATETIME_RE = literal(
  '^([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?(?:T([0-9]{2})(?::([0-9]{2}))?(?::([0-9]{2}))?(?:[.]([0-9]+))?)?(Z|[+-][0-9]{2}:[0-9]{2})?$',
);
const TIME_RE = literal('^([0-9]{2})(?::([0-9]{2}))?(?::([0-9]{2}))?(?:[.]([0-9]+))?$');

/** The date part from regexp groups year, month, day of `m`, filled out to its first/last day. */
function datePart(m: string, which: Which): string {
  if (which === 'low') return `${m}[1] || '-' || coalesce(${m}[2], '01') || '-' || coalesce(${m}[3], '01')`;
  return `case when ${m}[3] is not null then ${m}[1] || '-' || ${m}[2] || '-' || ${m}[3] ` +
    `when ${m}[2] is not null then to_char(make_date(${m}[1]::integer, ${m}[2]::integer, 1) + interval '1 month' - interval '1 day', 'YYYY-MM-DD') ` +
    `else ${m}[1] || '-12-31' end`;
}

/** hh:mm:ss.fff from regexp groups starting at `first` (hour, minute, second, fraction). */
function timePart(m: string, first: number, which: Which): string {
  const [h, mi, s, f] = [first, first + 1, first + 2, first + 3].map((i) => `${m}[${i}]`);
  const fill = which === 'low' ? ['00', '00', '00', '0'] : ['23', '59', '59', '9'];
  return `coalesce(${h}, '${fill[0]}') || ':' || coalesce(${mi}, '${fill[1]}') || ':' || coalesce(${s}, '${fill[2]}') || '.' || rpad(coalesce(${f}, ''), 3, '${fill[3]}')`;
}

function matched(aliases: Aliases, text: string, re: string, build: (m: string) => string): string {
  return bind(aliases, [`regexp_match(${text}, ${re})`], ([m]) => `case when ${m} is null then null else to_jsonb(${build(m as string)}) end`);
}

function decimalBoundary(x: string, which: Which): string {
  const op = which === 'low' ? '-' : '+';
  return `case when jsonb_typeof(${x}) = 'number' then to_jsonb(trim_scale((${x})::numeric ${op} 0.5 * power(10::numeric, -scale((${x})::numeric)))) end`;
}

function dateBoundary(aliases: Aliases, text: string, which: Which): string {
  return matched(aliases, text, DATE_RE, (m) => datePart(m, which));
}

function dateTimeBoundary(aliases: Aliases, text: string, which: Which): string {
  const zone = which === 'low' ? '+14:00' : '-12:00';
  return matched(aliases, text, DATETIME_RE, (m) => `${datePart(m, which)} || 'T' || ${timePart(m, 4, which)} || coalesce(${m}[8], '${zone}')`);
}

function timeBoundary(aliases: Aliases, text: string, which: Which): string {
  return matched(aliases, text, TIME_RE, (m) => timePart(m, 1, which));
}

export function boundary(which: Which, input: Compiled, scope: Scope): Compiled {
  const type = input.kind === 'bool' ? undefined : input.fhirType;
  const single = asSingle(input, scope.aliases, `input of ${which}Boundary()`);
  const sql = bind(scope.aliases, [single], ([x0]) => {
    const x = x0 as string;
    const text = `(${x} #>> '{}')`;
    switch (type) {
      case 'decimal':
      case 'integer':
        return decimalBoundary(x, which);
      case 'date':
        return dateBoundary(scope.aliases, text, which);
      case 'dateTime':
      case 'instant':
        return dateTimeBoundary(scope.aliases, text, which);
      case 'time':
        return timeBoundary(scope.aliases, text, which);
      default:
        return `case when jsonb_typeof(${x}) = 'number' then ${decimalBoundary(x, which)} ` +
          `when jsonb_typeof(${x}) = 'string' then case when ${text} ~ '^[0-9]{2}:' then ${timeBoundary(scope.aliases, text, which)} ` +
          `when ${text} ~ 'T' then ${dateTimeBoundary(scope.aliases, text, which)} ` +
          `else ${dateBoundary(scope.aliases, text, which)} end end`;
    }
  });
  return type === undefined ? value(sql) : value(sql, type === 'integer' ? 'decimal' : type);
}
