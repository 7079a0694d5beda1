import type { Row, Tx } from './database.js';

/**
 * A piece of SQL with its bound values. Values are never spliced into the text: `sql` turns each
 * interpolated value into a `$n` placeholder, and only `raw` (for identifiers the code itself
 * chooses, never input) adds text. Search SQL is composed from these.
 */
export class Fragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Fragment {
  return new Fragment(strings, values);
}

export function raw(text: string): Fragment {
  return new Fragment([text], []);
}

export function join(fragments: readonly Fragment[], separator: string): Fragment {
  if (fragments.length === 0) return raw('');
  const strings = ['', ...fragments.slice(1).map(() => separator), ''];
  return new Fragment(strings, fragments);
}

/**
 * Most bound values of one composed statement: far below PostgreSQL's 65,535 (past it the
 * statement fails with a 500), and more than any request within the search caps needs.
 */
export const MAX_BIND_PARAMETERS = 10_000;

/** A composed statement over MAX_BIND_PARAMETERS: never sent. The error renderer answers 400 too-costly. */
export class TooManyBindValues extends Error {
  constructor(readonly count: number) {
    super(`This request needs ${count} bound values in one statement; at most ${MAX_BIND_PARAMETERS} are accepted`);
  }
}

export function toQuery(fragment: Fragment): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const text = render(fragment, params);
  if (params.length > MAX_BIND_PARAMETERS) {
    throw new TooManyBindValues(params.length);
  }
  return { text, params };
}

function render(fragment: Fragment, params: unknown[]): string {
  let text = fragment.strings[0] ?? '';
  fragment.values.forEach((value, i) => {
    if (value instanceof Fragment) {
      text += render(value, params);
    } else {
      params.push(value);
      text += `$${params.length}`;
    }
    text += fragment.strings[i + 1] ?? '';
  });
  return text;
}

export function run<T extends Row = Row>(tx: Tx, fragment: Fragment): Promise<T[]> {
  const { text, params } = toQuery(fragment);
  return tx.query<T>(text, params);
}
