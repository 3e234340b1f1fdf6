/**
 * The soak run: the streaming pipeline (`contimg run`'s own code, in this process, with the default
 * stages) fed by `contimg simulate` with scaled-down groups at twice the telescope's rate (one every
 * 154.6 s), for `--minutes`. Images are made in quick mode unless CONTIMG_IMAGE_MODE says otherwise:
 * full mode sizes the image by the longest baseline, which scaled-down groups keep (thousands of
 * pixels across), and a soak on a shared 2-core machine measures the pipeline, not WSClean.
 * `--cadence=S` feeds faster or slower. Every `--sample` seconds it records this process's RSS, V8
 * heap, native (malloc) heap in use and malloc's arenas, the backlog and the groups
 * in and out; at the end it fits a line, after the warm-up (the first fifth), to the backlog and to
 * memory between groups (the lowest sample of each whole cadence window), and checks that nothing was lost: every group written was ingested and either completed or
 * failed with a recorded reason. Samples go to DIR/soak.json; the groups' files and products are
 * removed at the end, the state (event log, read models) kept.
 *
 *   npm run bench -- soak [--minutes=N] [--cadence=S] [--sample=S] [--dir=DIR]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCommand } from '../src/cli/commands/run.js';
import { createLogger } from '../src/cli/logger.js';
import { loadConfig } from '../src/config/config.js';
import { SqliteEventLog } from '../src/eventlog/sqliteEventLog.js';
import { GROUP_CADENCE_S } from '../src/science/simulate/layout.js';
import { nativeHeap } from '../native/index.js';
import { contimgChild, keepOnly } from './realtime.js';
import { intArg } from './support.js';

const SCALED_DOWN = ['--calibrator', '3C454.3', '--antennas', '24', '--channels', '16', '--integrations', '4', '--subbands', '16'];
/** Flat enough: the fitted RSS growth after warm-up, MB per hour. */
const FLAT_MB_PER_HOUR = 20;

interface Sample {
  readonly atS: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly nativeMb: number;
  readonly arenas: number;
  readonly ready: number;
  readonly completed: number;
  readonly failed: number;
  readonly backlog: number;
}

/** Least-squares slope of y against x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Counts groups in (complete on disk) and out (processed, or failed for good) from the event log, incrementally. */
function groupCounter(eventLog: string) {
  let after = 0;
  // sets: a group re-applied once calibration arrives is processed again
  const ready = new Set<string>();
  const completed = new Set<string>();
  const failed = new Set<string>();
  return {
    counts: () => ({ ready: ready.size, completed: completed.size, failed: failed.size, backlog: [...ready].filter((g) => !completed.has(g) && !failed.has(g)).length }),
    async update() {
      const log = new SqliteEventLog(eventLog, { watchOtherProcesses: false });
      try {
        for (;;) {
          const batch = log.readSync({ after, limit: 10_000 });
          if (batch.length === 0) return;
          after = batch.at(-1)!.seq;
          for (const { type, stream } of batch) {
            if (type === 'GroupReady') ready.add(stream);
            else if (type === 'GroupProcessed') completed.add(stream);
            else if (type === 'GroupDeadLettered' || type === 'GroupCollectTimedOut') failed.add(stream);
          }
        }
      } finally {
        await log.close();
      }
    },
  };
}

export default async function soakBench(args: string[]): Promise<void> {
  const minutes = intArg(args, 'minutes', 60);
  const sampleS = intArg(args, 'sample', 10);
  const cadenceS = intArg(args, 'cadence', 0) || GROUP_CADENCE_S / 2;
  const dir = args.find((a) => a.startsWith('--dir='))?.slice('--dir='.length) ?? join(tmpdir(), 'contimg-bench-soak');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // the last group is written once `minutes` have passed
  const groups = Math.round((minutes * 60) / cadenceS) + 1;
  const incoming = join(dir, 'incoming');
  const data = join(dir, 'data');
  console.log(`soak: ${groups} scaled-down groups (${SCALED_DOWN.join(' ')}), one every ${cadenceS.toFixed(1)} s (${minutes} min), every default stage; samples every ${sampleS} s ...`);

  const { config } = loadConfig({ flags: { data, incoming }, env: { CONTIMG_IMAGE_MODE: 'quick', ...process.env, CONTIMG_LOG_LEVEL: 'warn' } });
  mkdirSync(incoming, { recursive: true });
  const feeder = contimgChild(['simulate', '--out', incoming, '--truth-dir', join(dir, 'truth'), '--groups', String(groups), '--cadence', String(cadenceS), ...SCALED_DOWN], {}, join(dir, 'simulate.log')).then(
    (code) => {
      if (code !== 0) throw new Error(`contimg simulate exited ${code}: see ${join(dir, 'simulate.log')}`);
    },
  );
  const counter = groupCounter(join(data, 'state', 'events.sqlite'));
  const samples: Sample[] = [];
  const start = performance.now();
  const sample = async () => {
    await counter.update().catch(() => undefined); // the log does not exist for the first moments
    const { rss, heapUsed } = process.memoryUsage();
    const native = nativeHeap();
    samples.push({ atS: (performance.now() - start) / 1000, rssMb: rss / 1e6, heapMb: heapUsed / 1e6, nativeMb: native.inUseBytes / 1e6, arenas: native.arenas, ...counter.counts() });
  };
  const sampler = setInterval(() => void sample(), sampleS * 1000);
  try {
    const code = await runCommand(config, createLogger(config.logLevel), { untilIdle: true, ingest: true, process: true, feeder });
    if (code !== 0) throw new Error(`the pipeline exited ${code}`);
  } finally {
    clearInterval(sampler);
  }
  await sample();
  writeFileSync(join(dir, 'soak.json'), JSON.stringify(samples, null, 1));
  keepOnly(dir, ['soak.json', 'simulate.log', 'data']);
  keepOnly(data, ['state']);

  const fmt = (v: number, digits = 1) => v.toFixed(digits);
  console.log('\n   min     RSS MB  heap MB  native MB  arenas  in  out  failed  backlog');
  const every = Math.max(1, Math.round(60 / sampleS));
  for (const [i, s] of samples.entries()) {
    if (i % every !== 0 && i !== samples.length - 1) continue;
    console.log(`${fmt(s.atS / 60).padStart(6)}  ${fmt(s.rssMb).padStart(9)}  ${fmt(s.heapMb).padStart(7)}  ${fmt(s.nativeMb).padStart(9)}  ${String(s.arenas).padStart(6)}  ${String(s.ready).padStart(3)}  ${String(s.completed).padStart(3)}  ${String(s.failed).padStart(6)}  ${String(s.backlog).padStart(7)}`);
  }
  // After warm-up and while the feeder still writes: the steady state.
  const fedUntilS = groups * cadenceS;
  const steady = samples.filter((s) => s.atS >= fedUntilS / 5 && s.atS <= fedUntilS);
  const perHour = (points: readonly (readonly [number, number])[]) => (points.length >= 3 ? slope(points) : Number.NaN);
  // Memory between groups: the lowest sample of each cadence window, without the working set of the
  // group in flight. Only whole windows: one the run cut short may hold no moment between groups.
  const wholeWindows = { from: Math.ceil(fedUntilS / 5 / cadenceS), to: Math.floor(Math.min(fedUntilS, samples.at(-1)!.atS) / cadenceS) };
  const floors = (pick: (s: Sample) => number) => {
    const lowest = new Map<number, readonly [number, number]>();
    for (const s of steady) {
      const window = Math.floor(s.atS / cadenceS);
      if (window < wholeWindows.from || window >= wholeWindows.to) continue;
      const seen = lowest.get(window);
      if (seen === undefined || pick(s) < seen[1]) lowest.set(window, [s.atS / 3600, pick(s)]);
    }
    return [...lowest.values()];
  };
  const rssSlope = perHour(floors((s) => s.rssMb));
  const heapSlope = perHour(floors((s) => s.heapMb));
  const nativeSlope = perHour(floors((s) => s.nativeMb));
  const backlogSlope = perHour(steady.map((s) => [s.atS / 3600, s.backlog] as const));
  const last = samples.at(-1)!;
  const lost = groups - last.ready;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    `\nbetween groups RSS ${fmt(rssSlope)} MB/h, heap ${fmt(heapSlope)} MB/h, native heap ${fmt(nativeSlope)} MB/h after warm-up (flat: ≤ ${FLAT_MB_PER_HOUR} MB/h: ${verdict(rssSlope <= FLAT_MB_PER_HOUR)}); ` +
      `peak RSS ${fmt(Math.max(...samples.map((s) => s.rssMb)))} MB; backlog ${fmt(backlogSlope, 2)} groups/h, max ${Math.max(...samples.map((s) => s.backlog))} (${verdict(backlogSlope <= 1)}); ` +
      `${groups} written, ${last.ready} ingested, ${last.completed} completed, ${last.failed} failed, ${lost} lost (${verdict(lost === 0 && last.backlog === 0)}); ` +
      `wall ${fmt((performance.now() - start) / 60000)} min; samples in ${join(dir, 'soak.json')}`,
  );
}
