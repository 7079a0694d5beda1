import { readFileSync } from 'node:fs';

/** A V8 .cpuprofile (node --cpu-prof), the parts read here. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, coarse enough to read: a package, a node internal, or a file of src/. */
export function category(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  /** Self time by category, ms, biggest first. */
  categories: { category: string; ms: number; share: number }[];
  /** Self time by function. */
  topSelf: { fn: string; where: string; ms: number; share: number }[];
  /** Inclusive time of functions of src/ (and the request path's key packages). */
  topInclusive: { fn: string; where: string; ms: number; share: number }[];
}

/**
 * Self and inclusive times from sample time deltas; shares are of busy (non-idle) time. `window`
 * keeps only the samples taken between `fromEndMs` and `toEndMs` before the profile's end (the
 * load, without start-up and warm-up).
 */
export function summarizeProfile(file: string, window?: { fromEndMs: number; toEndMs: number }, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const keep: boolean[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) {
    t += d;
    const beforeEnd = (p.endTime - t) / 1000;
    keep.push(!window || (beforeEnd <= window.fromEndMs && beforeEnd >= window.toEndMs));
  }
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    if (keep[i]) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const idleMs = [...self.entries()].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, ms]) => a + ms, 0);
  const busyMs = totalMs - idleMs;
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}`;
  const where = (n: ProfileNode) => `${category(n.callFrame.url, n.callFrame.functionName)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;

  const cats = new Map<string, number>();
  const selfFn = new Map<string, { fn: string; where: string; ms: number }>();
  const incl = new Map<string, { fn: string; where: string; ms: number }>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    const c = category(n.callFrame.url, n.callFrame.functionName);
    cats.set(c, (cats.get(c) ?? 0) + ms);
    const key = `${label(n)}@${where(n)}`;
    const e = selfFn.get(key) ?? { fn: label(n), where: where(n), ms: 0 };
    e.ms += ms;
    selfFn.set(key, e);
    // Inclusive: credit every distinct frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!;
      const k = `${label(f)}@${where(f)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const ie = incl.get(k) ?? { fn: label(f), where: where(f), ms: 0 };
      ie.ms += ms;
      incl.set(k, ie);
    }
  }
  const share = (ms: number) => Math.round((ms / busyMs) * 1000) / 10;
  const r1 = (ms: number) => Math.round(ms);
  return {
    totalMs: r1(totalMs),
    busyMs: r1(busyMs),
    categories: [...cats.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([category, ms]) => ({ category, ms: r1(ms), share: share(ms) })),
    topSelf: [...selfFn.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((e) => ({ ...e, ms: r1(e.ms), share: share(e.ms) })),
    topInclusive: [...incl.values()]
      .filter((e) => e.where.startsWith('src/') || /^(hono|@hono\/node-server|postgres|pino)/.test(e.where))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((e) => ({ ...e, ms: r1(e.ms), share: share(e.ms) })),
  };
}
