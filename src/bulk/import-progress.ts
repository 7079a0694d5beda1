/*
 * What `npm run import` prints while it works: on a terminal one line redrawn in place (a bar,
 * resources/s, ETA, failures), else a plain line at most every few seconds and at the end of
 * each file, so a log file stays readable.
 */

export interface ProgressState {
  file: string;
  fileNo: number;
  files: number;
  written: number;
  failed: number;
  /** 0 to 1 over all the input bytes. */
  fraction: number;
}

const clock = (s: number) => {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
};

export class Progress {
  private readonly started = performance.now();
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty = out.isTTY === true,
  ) {}

  private line(s: ProgressState): string {
    const secs = (performance.now() - this.started) / 1000;
    const rate = secs > 0 ? s.written / secs : 0;
    const eta = s.fraction > 0 ? Math.max(0, secs * (1 - s.fraction) / s.fraction) : Infinity;
    return `${s.written.toLocaleString('en')} written, ${s.failed.toLocaleString('en')} failed, ${Math.round(rate).toLocaleString('en')} resources/s, ETA ${clock(eta)} (file ${s.fileNo}/${s.files} ${s.file})`;
  }

  update(s: ProgressState, final = false): void {
    if (this.tty) {
      const width = 24;
      const full = Math.round(Math.min(1, s.fraction) * width);
      const bar = `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${Math.floor(s.fraction * 100)}%`;
      const columns = this.out.columns ?? 120;
      this.out.write(`\r${`${bar} ${this.line(s)}`.slice(0, columns - 1).padEnd(columns - 1)}${final ? '\n' : ''}`);
      return;
    }
    const now = performance.now();
    if (!final && now - this.lastPlain < 5000) return;
    this.lastPlain = now;
    this.out.write(`${this.line(s)}\n`);
  }
}
