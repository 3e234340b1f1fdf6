/**
 * The real-time benchmark: full-size simulated groups (16 subbands, `contimg simulate` defaults, the
 * first two on 3C454.3's transit so that calibration is solved) written into the watched directory
 * at the telescope's cadence and taken through every stage by `contimg run --simulate` in a fresh
 * process. Per-stage medians from the StageCompleted events, the latency of each group (complete on
 * disk → processed) against the 309 s cadence, and the incumbent's published stage times (on 40
 * threads) alongside. Other work on the machine shares its cores: the figures are upper bounds.
 * A group takes about 8 GB on disk while it runs (files, MS, images); afterwards only the log and
 * the state (event log, read models) are kept.
 *
 *   npm run bench -- realtime [--groups=N] [--cadence=S] [--dir=DIR]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { StoredEvent } from '../src/eventlog/event.js';
import { GROUP_CADENCE_S } from '../src/science/simulate/layout.js';
import { eventsOf, ofType } from '../test/support/dataLog.js';
import { intArg, summarise } from './support.js';

export const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TARGET_END_TO_END_S = 240;
/** The incumbent's published stage times on 40 threads, seconds (its flagging and QA are not published). */
const INCUMBENT: Readonly<Record<string, string>> = { convert: '243–264', solve: '41 (bandpass 31 + gaincal 10)', apply: '4', image: '~60', total: '~348–369' };

/** `contimg ARGS` in a child with its stderr to `logFile`; resolves to its exit code. */
export function contimgChild(args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.pipe(createWriteStream(logFile));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Removes what `dir` holds but `keep`. */
export function keepOnly(dir: string, keep: readonly string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) if (!keep.includes(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** Median of non-empty `values`. */
export const median = (values: readonly number[]) => summarise('', 1, values).medianMs;

/** Per group: seconds from complete on disk (GroupReady) to processed, and waiting for a slot. */
export function groupLatencies(events: readonly StoredEvent[]): { groupId: string; waitS: number; endToEndS: number }[] {
  const at = (type: StoredEvent['type'], stream: string) => events.find((e) => e.type === type && e.stream === stream)?.time;
  return ofType(events, 'GroupProcessed').map(({ stream, time }) => {
    const ready = Date.parse(at('GroupReady', stream)!);
    return { groupId: stream, waitS: (Date.parse(at('ProcessingStarted', stream)!) - ready) / 1000, endToEndS: (Date.parse(time) - ready) / 1000 };
  });
}

const table = (rows: readonly (readonly string[])[]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
};

export default async function realtimeBench(args: string[]): Promise<void> {
  const groups = intArg(args, 'groups', 3);
  const cadence = Number(args.find((a) => a.startsWith('--cadence='))?.slice('--cadence='.length) ?? GROUP_CADENCE_S);
  if (!(cadence >= 0)) throw new Error('--cadence needs a number of seconds');
  const dir = args.find((a) => a.startsWith('--dir='))?.slice('--dir='.length) ?? join(tmpdir(), 'contimg-bench-realtime');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data');
  const logFile = join(dir, 'run.log');
  console.log(`realtime: ${groups} full-size groups, one every ${cadence.toFixed(2)} s, through every stage of \`contimg run\` (log: ${logFile}) ...`);
  const start = performance.now();
  // what else ran meanwhile: the machine's 1-minute load average, sampled
  const loads: number[] = [];
  const loadSampler = setInterval(() => loads.push(loadavg()[0]!), 30_000);
  const code = await contimgChild(
    ['--data', data, 'run', '--incoming', join(dir, 'incoming'), '--simulate', '--calibrator', '3C454.3', '--groups', String(groups), '--cadence', String(cadence), '--until-idle', '--no-view'],
    { CONTIMG_LOG_LEVEL: 'info' },
    logFile,
  );
  const wallS = (performance.now() - start) / 1000;
  clearInterval(loadSampler);
  const events = code === 0 ? await eventsOf(data) : [];
  // about 8 GB a group (files, MS, images): keep only the log and the state
  keepOnly(dir, ['run.log', 'data']);
  keepOnly(data, ['state']);
  if (code !== 0) throw new Error(`contimg run exited ${code}: see ${logFile}`);
  const failures = ofType(events, 'StageFailed');
  const byStage = new Map<string, number[]>();
  for (const { payload } of ofType(events, 'StageCompleted')) byStage.set(payload.stage, [...(byStage.get(payload.stage) ?? []), payload.durationMs / 1000]);
  const latencies = groupLatencies(events);
  const seconds = (s: number) => s.toFixed(1);
  const rows = [
    ['stage', 'runs', 'median s', 'min s', 'max s', 'incumbent s (40 threads)'],
    ...[...byStage].map(([stage, times]) => [stage, String(times.length), seconds(median(times)), seconds(Math.min(...times)), seconds(Math.max(...times)), INCUMBENT[stage] ?? '-']),
    ['sum of stage medians', '', seconds([...byStage.values()].reduce((sum, t) => sum + median(t), 0)), '', '', INCUMBENT.total!],
    ['end to end (ready → processed)', String(latencies.length), ...(latencies.length > 0 ? [median(latencies.map((l) => l.endToEndS)), Math.min(...latencies.map((l) => l.endToEndS)), Math.max(...latencies.map((l) => l.endToEndS))].map(seconds) : ['-', '-', '-']), '-'],
  ];
  console.log(`\n${table(rows)}\n`);
  for (const l of latencies) console.log(`  ${l.groupId}: waited ${seconds(l.waitS)} s for a slot, end to end ${seconds(l.endToEndS)} s`);
  const endToEnd = latencies.length > 0 ? median(latencies.map((l) => l.endToEndS)) : Number.NaN;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    `\n${latencies.length}/${groups} groups processed, ${failures.length} stage failures, wall ${seconds(wallS)} s; ` +
      `median end to end ${seconds(endToEnd)} s against the ${GROUP_CADENCE_S.toFixed(1)} s cadence (${verdict(endToEnd <= GROUP_CADENCE_S)}) ` +
      `and the ${TARGET_END_TO_END_S} s target (${verdict(endToEnd <= TARGET_END_TO_END_S)}); ` +
      `mean load average ${loads.length > 0 ? (loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1) : '-'} on ${cpus().length} cores`,
  );
  for (const f of failures) console.log(`  failed: ${f.stream} ${f.payload.stage}: ${f.payload.error.message}`);
}
