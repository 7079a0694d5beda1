/**
 * FHIR primitive regexes are XML Schema regexes. In XSD `\s` is only space, tab, CR and LF,
 * while in JavaScript it also matches NBSP, form feed and other Unicode spaces; translating
 * naively would reject legal strings (e.g. `string` = `[ \r\n\t\S]+` must accept any
 * character). XSD patterns are implicitly anchored, so the result is anchored too.
 */

const XSD_SPACE = ' \\t\\n\\r';
/** Every UTF-16 code unit except the four XSD spaces (usable inside a character class). */
const XSD_NON_SPACE_RANGES = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x21-\\uFFFF';

export function xsdToJsRegex(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (next === 's') out += inClass ? XSD_SPACE : `[${XSD_SPACE}]`;
      else if (next === 'S') out += inClass ? XSD_NON_SPACE_RANGES : `[^${XSD_SPACE}]`;
      else out += `\\${next}`;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    out += ch;
  }
  return `^(?:${out})$`;
}

/**
 * Official regexes that backtrack exponentially in a JavaScript engine, with equivalent linear
 * rewrites. base64Binary `(\s*X{4}\s*)+` can split each run of whitespace between the trailing
 * `\s*` of one group and the leading `\s*` of the next, so a long attachment with a bad last
 * character takes 2^lines steps; `\s*(X{4}\s*)+` denotes the same language without the
 * ambiguity. The generator refuses to run if the official text changes, so a new version gets
 * reviewed instead of silently keeping a stale rewrite.
 */
export const LINEAR_REWRITES: Readonly<Record<string, { official: string; linear: string }>> = {
  base64Binary: {
    official: '(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+',
    linear: '\\s*(([0-9a-zA-Z\\+/=]){4}\\s*)+',
  },
};
