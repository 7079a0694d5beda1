/**
 * Expands required-binding value sets from `compose` using only the code systems shipped in the
 * R4 package, for build-rules.ts. A value set is enforceable only when its expansion is exact:
 * anything needing a terminology server (filters, SNOMED/LOINC/UCUM/BCP-47/MIME grammars,
 * code systems not in the package or not `content: complete`) makes it unenforceable, because
 * rejecting a legal code is worse than accepting an illegal one.
 */

export interface RawConcept {
  code: string;
  concept?: RawConcept[];
}

export interface RawCodeSystem {
  url: string;
  content?: string;
  concept?: RawConcept[];
}

interface RawInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}

export interface RawValueSet {
  url: string;
  compose?: { include?: RawInclude[]; exclude?: RawInclude[] };
}

/** code system URL -> codes */
export type Expansion = Map<string, Set<string>>;

export const stripVersion = (canonical: string): string => canonical.split('|')[0] ?? canonical;

function allCodes(concepts: readonly RawConcept[] | undefined, into: Set<string>): Set<string> {
  for (const c of concepts ?? []) {
    into.add(c.code);
    allCodes(c.concept, into);
  }
  return into;
}

function union(into: Expansion, from: Expansion): void {
  for (const [system, codes] of from) {
    let target = into.get(system);
    if (!target) into.set(system, (target = new Set()));
    for (const c of codes) target.add(c);
  }
}

function intersect(a: Expansion, b: Expansion): Expansion {
  const out: Expansion = new Map();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (other) out.set(system, new Set([...codes].filter((c) => other.has(c))));
  }
  return out;
}

export class ValueSetExpander {
  private readonly memo = new Map<string, Expansion | null>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly valueSets: ReadonlyMap<string, RawValueSet>,
    private readonly codeSystems: ReadonlyMap<string, RawCodeSystem>,
  ) {}

  /** The exact expansion, or undefined when it cannot be computed from the package alone. */
  expand(canonical: string): Expansion | undefined {
    const url = stripVersion(canonical);
    const cached = this.memo.get(url);
    if (cached !== undefined) return cached ?? undefined;
    if (this.inProgress.has(url)) return undefined;
    this.inProgress.add(url);
    const result = this.compute(url);
    this.inProgress.delete(url);
    this.memo.set(url, result ?? null);
    return result;
  }

  private compute(url: string): Expansion | undefined {
    const compose = this.valueSets.get(url)?.compose;
    if (!compose?.include?.length) return undefined;
    const out: Expansion = new Map();
    for (const inc of compose.include) {
      const part = this.includePart(inc);
      if (!part) return undefined;
      union(out, part);
    }
    for (const exc of compose.exclude ?? []) {
      const part = this.includePart(exc);
      if (!part) return undefined;
      for (const [system, codes] of part) {
        const target = out.get(system);
        for (const c of codes) target?.delete(c);
      }
    }
    let total = 0;
    for (const codes of out.values()) total += codes.size;
    return total > 0 ? out : undefined;
  }

  private includePart(inc: RawInclude): Expansion | undefined {
    if (inc.filter?.length) return undefined;
    let result: Expansion | undefined;
    if (inc.system !== undefined) {
      const codes = inc.concept
        ? new Set(inc.concept.map((c) => c.code))
        : this.wholeCodeSystem(inc.system);
      if (!codes) return undefined;
      result = new Map([[inc.system, codes]]);
    }
    // Several value sets in one include are intersected (R4 ValueSet.compose.include.valueSet).
    for (const vs of inc.valueSet ?? []) {
      const part = this.expand(vs);
      if (!part) return undefined;
      result = result ? intersect(result, part) : part;
    }
    return result;
  }

  private wholeCodeSystem(url: string): Set<string> | undefined {
    const cs = this.codeSystems.get(url);
    if (cs?.content !== 'complete') return undefined;
    const codes = allCodes(cs.concept, new Set());
    return codes.size > 0 ? codes : undefined;
  }
}
