import { randomInt } from 'node:crypto';

/** A small seeded PRNG (mulberry32): the same seed replays the same requests. */
export interface Rng {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** 0 ≤ n < max */
  int(max: number): number;
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Weighted choice among [weight, value] pairs. */
  weighted<T>(items: readonly (readonly [number, T])[]): T;
  /** Random lowercase letters and digits, starting with a letter. */
  token(length: number): string;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const rng: Rng = {
    seed,
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)]!;
    },
    weighted: (items) => {
      const total = items.reduce((sum, [w]) => sum + w, 0);
      let r = next() * total;
      for (const [w, v] of items) {
        if ((r -= w) < 0) return v;
      }
      return items[items.length - 1]![1];
    },
    token: (length) => {
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      const chars = `${letters}0123456789`;
      let out = letters[int(letters.length)]!;
      while (out.length < length) out += chars[int(chars.length)]!;
      return out;
    },
  };
  return rng;
}

/**
 * The seed of a randomized suite: from the environment (to replay a failure) or fresh. Printed,
 * so a red CI run can be replayed with `NAME=<seed> npm test -- test/security`.
 */
export function seedFrom(name: string): number {
  const raw = process.env[name];
  const seed = raw !== undefined && raw !== '' ? Number(raw) >>> 0 : randomInt(2 ** 31);
  if (raw !== undefined && raw !== '' && !Number.isInteger(Number(raw))) throw new Error(`${name} must be an integer, got "${raw}"`);
  console.log(`${name}=${seed}`);
  return seed;
}

/** A count from the environment, never below the required minimum... unless explicitly lowered for a local run. */
export function countFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
