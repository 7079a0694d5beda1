import { invalidView } from './errors.js';

/** Tokens of the FHIRPath grammar (N1, http://hl7.org/fhirpath/N1/grammar.html) used by views. */
export type Token =
  | { t: 'ident'; v: string; delimited: boolean; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: string; pos: number }
  | { t: 'datetime'; v: string; pos: number }
  | { t: 'env'; v: string; pos: number }
  | { t: 'special'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

const OPERATORS = ['!=', '!~', '<=', '>=', '=', '~', '<', '>', '+', '-', '*', '/', '|', '&', '.', ',', '(', ')', '[', ']', '{', '}'];

const ESCAPES: Record<string, string> = {
  "'": "'", '"': '"', '`': '`', '\\': '\\', '/': '/', f: '\f', n: '\n', r: '\r', t: '\t',
};

/** `@2020-01-01`, `@2020-01-01T10:00:00.000+01:00`, `@T12:30` (without the `@`). */
const DATETIME = /^(?:\d{4}(?:-\d{2}(?:-\d{2})?)?(?:T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?(?:Z|[+-]\d{2}:\d{2})?)?|T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)/;

export function tokenize(src: string, at: string): Token[] {
  const fail = (msg: string, pos: number) => invalidView(`FHIRPath ${JSON.stringify(src)}: ${msg} at ${pos}`, at);
  const out: Token[] = [];
  let i = 0;

  const readQuoted = (quote: string): string => {
    let text = '';
    i++;
    while (i < src.length && src[i] !== quote) {
      const ch = src[i] as string;
      if (ch === '\\') {
        const next = src[i + 1];
        if (next === 'u') {
          const hex = src.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw fail('bad \\u escape', i);
          text += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        const esc = next === undefined ? undefined : ESCAPES[next];
        if (esc === undefined) throw fail('bad escape', i);
        text += esc;
        i += 2;
        continue;
      }
      text += ch;
      i++;
    }
    if (i >= src.length) throw fail('unterminated quoted text', i);
    i++;
    return text;
  };

  while (i < src.length) {
    const ch = src[i] as string;
    const pos = i;
    if (/\s/.test(ch)) {
      i++;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw fail('unterminated comment', i);
      i = end + 2;
    } else if (ch === "'") {
      out.push({ t: 'string', v: readQuoted("'"), pos });
    } else if (ch === '`') {
      out.push({ t: 'ident', v: readQuoted('`'), delimited: true, pos });
    } else if (/[0-9]/.test(ch)) {
      const m = /^\d+(?:\.\d+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'number', v: m[0], pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'ident', v: m[0], delimited: false, pos });
      i += m[0].length;
    } else if (ch === '$') {
      const m = /^\$(this|index|total)\b/.exec(src.slice(i));
      if (!m) throw fail('unknown $ variable', i);
      out.push({ t: 'special', v: m[1] as string, pos });
      i += m[0].length;
    } else if (ch === '%') {
      i++;
      const next = src[i];
      if (next === '`') out.push({ t: 'env', v: readQuoted('`'), pos });
      else if (next === "'") out.push({ t: 'env', v: readQuoted("'"), pos });
      else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
        if (!m) throw fail('bad %variable', pos);
        out.push({ t: 'env', v: m[0], pos });
        i += m[0].length;
      }
    } else if (ch === '@') {
      const m = DATETIME.exec(src.slice(i + 1));
      if (!m || m[0].length === 0) throw fail('bad date/time literal', i);
      out.push({ t: 'datetime', v: m[0], pos });
      i += 1 + m[0].length;
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (!op) throw fail(`unexpected ${JSON.stringify(ch)}`, i);
      out.push({ t: 'op', v: op, pos });
      i += op.length;
    }
  }
  out.push({ t: 'eof', pos: src.length });
  return out;
}
