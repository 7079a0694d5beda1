import { readFileSync } from 'node:fs';

/** Resident set size of one process (VmRSS of /proc/<pid>/status), MiB; undefined once it has gone. */
export function processRssMiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSamples {
  startMiB: number;
  maxMiB: number;
  endMiB: number;
  /** max − start: what the run added at worst. */
  growthMiB: number;
  samples: number;
  /** The process was gone at some sample (crashed, killed by the OOM killer). */
  exited: boolean;
}

/** Samples a process's RSS every `everyMs` until stop() (which returns the summary). */
export function sampleRss(pid: number, everyMs = 250): { stop(): RssSamples } {
  const start = processRssMiB(pid) ?? 0;
  let max = start;
  let last = start;
  let samples = 1;
  let exited = false;
  const timer = setInterval(() => {
    const rss = processRssMiB(pid);
    if (rss === undefined) {
      exited = true;
      return;
    }
    samples++;
    last = rss;
    if (rss > max) max = rss;
  }, everyMs);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    stop() {
      clearInterval(timer);
      const end = processRssMiB(pid);
      if (end === undefined) exited = true;
      else last = end;
      return { startMiB: r1(start), maxMiB: r1(max), endMiB: r1(last), growthMiB: r1(max - start), samples, exited };
    },
  };
}
