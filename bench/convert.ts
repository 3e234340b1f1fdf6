/**
 * Conversion of one full-size simulated group (16 subbands × 4,656 baselines × 24 integrations × 48
 * channels × 2 pols) into a MeasurementSet, each run in a fresh process (`contimg convert`, peak RSS
 * from /usr/bin/time), against the I/O floor measured in the same script: copying the 16 files plus
 * writing as many bytes as the MS holds (dd, with the same page-cache and writeback behaviour),
 * and against pyuvdata reading the same files, phasing them to the same centre and writing an MS
 * (bench/references/pyuvdata_convert.py in the project virtualenv).
 *
 *   npm run bench -- convert [--reps=N] [--reference-reps=N] [--rebuild] [--dir=DIR]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { intArg, printTable, summarise } from './support.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PYTHON = fileURLToPath(new URL('../.venv/bin/python', import.meta.url));
const PYUVDATA_CONVERT = fileURLToPath(new URL('references/pyuvdata_convert.py', import.meta.url));
const TARGET_S = 10;
const TARGET_RSS_GB = 3.5;
const TARGET_SPEEDUP_VS_PYUVDATA = 20;
const TARGET_FLOOR_RATIO = 2;

function du(path: string): number {
  if (!statSync(path).isDirectory()) return statSync(path).size;
  return readdirSync(path).reduce((sum, f) => sum + du(join(path, f)), 0);
}

/** Runs a command under /usr/bin/time; resolves with wall ms and peak RSS in KB. */
async function timed(command: string, args: string[]): Promise<{ ms: number; rssKb: number }> {
  const start = performance.now();
  const { stderr } = await run('/usr/bin/time', ['-f', 'RSS_KB=%M', command, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  const match = /RSS_KB=(\d+)/.exec(stderr);
  return { ms, rssKb: match ? Number(match[1]) : 0 };
}

export default async function convertBench(args: string[]): Promise<void> {
  const reps = intArg(args, 'reps', 3);
  // pyuvdata takes minutes per run: fewer repetitions by default
  const referenceReps = intArg(args, 'reference-reps', Math.min(reps, 2));
  const dirArg = args.find((a) => a.startsWith('--dir='));
  const dir = dirArg ? dirArg.slice('--dir='.length) : join(tmpdir(), 'contimg-bench-convert');
  const raw = join(dir, 'raw');
  if (args.includes('--rebuild')) await rm(raw, { recursive: true, force: true });
  if (!existsSync(raw)) {
    console.log(`simulating one full-size group into ${raw} ...`);
    await run(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', raw, '--no-rfi'], { maxBuffer: 64 * 1024 * 1024 });
  }
  const files = readdirSync(raw).filter((f) => f.endsWith('.hdf5')).sort().map((f) => join(raw, f));
  const inputBytes = files.reduce((sum, f) => sum + du(f), 0);
  const ms = join(dir, 'bench.ms');
  const ours: number[] = [];
  let peakRssKb = 0;
  let msBytes = 0;
  for (let i = 0; i < reps; i++) {
    await rm(ms, { recursive: true, force: true });
    await run('sync');
    const r = await timed(process.execPath, ['--import', 'tsx', MAIN, 'convert', '--out', ms, ...files]);
    ours.push(r.ms);
    peakRssKb = Math.max(peakRssKb, r.rssKb);
    msBytes = du(ms);
  }
  await rm(ms, { recursive: true, force: true });

  const floor: number[] = [];
  const copies = join(dir, 'floor');
  for (let i = 0; i < reps; i++) {
    await rm(copies, { recursive: true, force: true });
    await mkdir(copies, { recursive: true });
    await run('sync');
    const start = performance.now();
    await run('cp', [...files, copies]);
    await run('dd', ['if=/dev/zero', `of=${join(copies, 'ms.bin')}`, 'bs=4M', `count=${Math.ceil(msBytes / 4194304)}`]);
    floor.push(performance.now() - start);
  }
  await rm(copies, { recursive: true, force: true });

  const pyuvdata: number[] = [];
  let pyuvdataRssKb = 0;
  const theirs = join(dir, 'pyuvdata.ms');
  for (let i = 0; i < referenceReps; i++) {
    await rm(theirs, { recursive: true, force: true });
    await run('sync');
    const r = await timed(PYTHON, [PYUVDATA_CONVERT, theirs, ...files]);
    pyuvdata.push(r.ms);
    pyuvdataRssKb = Math.max(pyuvdataRssKb, r.rssKb);
  }
  await rm(theirs, { recursive: true, force: true });

  console.log(`convert benchmark: ${files.length} files (${(inputBytes / 1e9).toFixed(2)} GB) → MS of ${(msBytes / 1e9).toFixed(2)} GB; ${reps} runs (pyuvdata ${referenceReps}), median\n`);
  const oursResult = summarise('contimg convert (fresh process)', files.length, ours);
  const floorResult = summarise('I/O floor: cp the files + dd the MS bytes', files.length, floor);
  const pyuvdataResult = summarise('pyuvdata: read, phase, write_ms', files.length, pyuvdata);
  printTable([{ result: oursResult, reference: floorResult }, { result: floorResult }, { result: pyuvdataResult, reference: oursResult }]);
  const median = oursResult.medianMs / 1000;
  const speedup = pyuvdataResult.medianMs / oursResult.medianMs;
  const floorRatio = oursResult.medianMs / floorResult.medianMs;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    `\nmedian ${median.toFixed(2)} s (target ≤ ${TARGET_S} s: ${verdict(median <= TARGET_S)}); ` +
      `peak RSS ${(peakRssKb / 1e6).toFixed(2)} GB (target ≤ ${TARGET_RSS_GB} GB: ${verdict(peakRssKb / 1e6 <= TARGET_RSS_GB)}); ` +
      `${speedup.toFixed(1)}× faster than pyuvdata (peak RSS ${(pyuvdataRssKb / 1e6).toFixed(2)} GB; target ≥ ${TARGET_SPEEDUP_VS_PYUVDATA}×: ${verdict(speedup >= TARGET_SPEEDUP_VS_PYUVDATA)}); ` +
      `${floorRatio.toFixed(2)}× the I/O floor (target ≤ ${TARGET_FLOOR_RATIO}×: ${verdict(floorRatio <= TARGET_FLOOR_RATIO)})`,
  );
}
