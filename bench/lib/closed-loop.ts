/** What a load process measured: latencies of successes (ms), and the counts of the rest. */
export interface LoopResult {
  latencies: number[];
  /** Answered, but not a success (e.g. a non-2xx status): counted, not timed. */
  failed: number;
  /** Thrown. */
  errors: number;
  seconds: number;
}

/**
 * `loops` concurrent closed loops for `seconds`: each picks an item at random and awaits `op` on
 * it, one after the other, timed with performance.now(). `op` resolves true for a success.
 */
export async function closedLoops<K>(loops: number, seconds: number, items: readonly K[], op: (item: K) => Promise<boolean>): Promise<LoopResult> {
  const latencies: number[] = [];
  let failed = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < deadline) {
        const item = items[Math.floor(Math.random() * items.length)]!;
        const t0 = performance.now();
        try {
          if (await op(item)) latencies.push(performance.now() - t0);
          else failed++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, failed, errors, seconds: (performance.now() - started) / 1000 };
}
