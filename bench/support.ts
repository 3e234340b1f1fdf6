/** Timing and reporting helpers shared by the benchmarks. */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly label: string;
  /** Events (or other units) processed by one repetition. */
  readonly events: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Events per second at the median time. */
  readonly rate: number;
}

/** One repetition: `setup` is not timed, `run` is, `teardown` (not timed) always follows. */
export interface Trial {
  run(): unknown;
  teardown?(): unknown;
}

/**
 * Runs `reps` fresh trials, times each `run` (awaited when it returns a promise) and reports the
 * median, min and max wall time.
 */
export async function measure(label: string, reps: number, events: number, setup: () => Trial | Promise<Trial>): Promise<Measurement> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const trial = await setup();
    try {
      const start = performance.now();
      await trial.run();
      times.push(performance.now() - start);
    } finally {
      await trial.teardown?.();
    }
  }
  return summarise(label, events, times);
}

/** The median, min and max of timed repetitions (ms), and the rate at the median. */
export function summarise(label: string, events: number, timesMs: readonly number[]): Measurement {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { label, events, medianMs, minMs: sorted[0]!, maxMs: sorted[sorted.length - 1]!, rate: events / (medianMs / 1000) };
}

export interface Row {
  readonly result: Measurement;
  /** The reference this row is compared with: ratio = our median time per event / the reference's. */
  readonly reference?: Measurement;
  /** Minimum events/s asked for. */
  readonly target?: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Prints rows as an aligned text table. */
export function printTable(rows: readonly Row[]): void {
  const header = ['case', 'events', 'median s', 'min s', 'max s', 'events/s', 'ratio vs ref', 'target'];
  const cells = rows.map(({ result: r, reference, target }) => [
    r.label,
    int(r.events),
    seconds(r.medianMs),
    seconds(r.minMs),
    seconds(r.maxMs),
    int(r.rate),
    reference ? `${(reference.rate / r.rate).toFixed(2)}x` : '-',
    target === undefined ? '' : `>= ${int(target)} ${r.rate >= target ? 'ok' : 'MISSED'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => (i === 0 || i === c.length - 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** `--name=N` among a benchmark's arguments: a positive integer, or `fallback` when absent. */
export function intArg(args: readonly string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer, got ${arg}`);
  return value;
}
