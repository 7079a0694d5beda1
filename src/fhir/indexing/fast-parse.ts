/**
 * Parser for the subset of FHIRPath that the fast accessor compiler handles.
 * It covers most R4 search expressions:
 *   A.b.c | A.d                      paths and unions
 *   (A.value as Quantity).unit       `as` operator, parenthesized
 *   A.value.as(Quantity), .ofType(T) type filters
 *   A.telecom.where(system='phone')  equality on a child with a string literal
 *   A.subject.where(resolve() is T)  reference target type (see reference-type.ts)
 * Anything else throws FastUnsupported, and the caller uses fhirpath.js.
 */

export class FastUnsupported extends Error {}

export type Step =
  | { readonly kind: 'child'; readonly name: string }
  | { readonly kind: 'as'; readonly type: string }
  | { readonly kind: 'whereEquals'; readonly child: string; readonly literal: string }
  | { readonly kind: 'whereRefType'; readonly type: string };

export type Root =
  | { readonly kind: 'context' }
  | { readonly kind: 'type'; readonly name: string }
  | { readonly kind: 'paren'; readonly expr: Union };

export interface Term {
  readonly root: Root;
  readonly steps: readonly Step[];
}

export interface Union {
  readonly terms: readonly Term[];
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const STRING = /'((?:[^'\\]|\\.)*)'/y;

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parse(): Union {
    const u = this.union();
    this.ws();
    if (this.pos !== this.src.length) this.fail('trailing input');
    return u;
  }

  private union(): Union {
    const terms = [this.term()];
    while (this.eat('|')) terms.push(this.term());
    return { terms };
  }

  private term(): Term {
    this.ws();
    let root: Root;
    const steps: Step[] = [];
    if (this.eat('(')) {
      root = { kind: 'paren', expr: this.union() };
      this.expect(')');
    } else {
      const name = this.ident();
      if (/^[A-Z]/.test(name)) root = { kind: 'type', name };
      else {
        root = { kind: 'context' };
        steps.push(this.afterName(name));
      }
    }
    for (;;) {
      if (this.eat('.')) steps.push(this.afterName(this.ident()));
      else if (this.eatWord('as')) steps.push({ kind: 'as', type: this.typeName() });
      else return { root, steps };
    }
  }

  /** A name after `.`: a child element or one of the supported functions. */
  private afterName(name: string): Step {
    if (this.src[this.pos] !== '(') {
      if (!/^[a-z]/.test(name)) this.fail(`not an element name: ${name}`);
      return { kind: 'child', name };
    }
    this.pos++;
    let step: Step;
    if (name === 'as' || name === 'ofType') step = { kind: 'as', type: this.typeName() };
    else if (name === 'where') step = this.wherePredicate();
    else this.fail(`function ${name}()`);
    this.expect(')');
    return step;
  }

  private wherePredicate(): Step {
    this.ws();
    if (this.src.startsWith('resolve()', this.pos)) {
      this.pos += 'resolve()'.length;
      if (!this.eatWord('is')) this.fail('resolve() without is');
      return { kind: 'whereRefType', type: this.typeName() };
    }
    const child = this.ident();
    this.expect('=');
    this.ws();
    STRING.lastIndex = this.pos;
    const m = STRING.exec(this.src);
    if (!m || m[1] === undefined || m[1].includes('\\')) this.fail('expected a plain string literal');
    this.pos = STRING.lastIndex;
    return { kind: 'whereEquals', child, literal: m[1] };
  }

  private typeName(): string {
    const name = this.ident();
    // Qualified names (FHIR.string, System.String) are left to fhirpath.js.
    if (this.src[this.pos] === '.' && /^[A-Z]/.test(this.src.slice(this.pos + 1))) this.fail('qualified type');
    return name;
  }

  private ident(): string {
    this.ws();
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.src);
    if (!m) this.fail('expected identifier');
    this.pos = IDENT.lastIndex;
    return m[0];
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private eat(tok: string): boolean {
    this.ws();
    if (!this.src.startsWith(tok, this.pos)) return false;
    this.pos += tok.length;
    return true;
  }

  /** A keyword followed by whitespace (`as Quantity`, `is Patient`). */
  private eatWord(word: string): boolean {
    this.ws();
    const next = this.src[this.pos + word.length];
    if (!this.src.startsWith(word, this.pos) || next === undefined || !/\s/.test(next)) return false;
    this.pos += word.length;
    return true;
  }

  private expect(tok: string): void {
    if (!this.eat(tok)) this.fail(`expected ${tok}`);
  }

  private fail(why: string): never {
    throw new FastUnsupported(`${why} at ${this.pos} in ${this.src}`);
  }
}

/** Parses `expr` or throws FastUnsupported. */
export function parseFast(expr: string): Union {
  return new Parser(expr).parse();
}
