/**
 * Calibration of one full-size simulated calibrator group (96 antennas × 16 subbands × 48 channels
 * × 24 integrations × 2 pols, noise and drifting gains on, 3C454.3 at transit): the sky-model
 * prediction into MODEL_DATA, the solve (bandpass + phase-only gains per minute + amplitude-and-
 * phase gains, three CASA tables written), the QA plots and the apply, each timed over several runs in this
 * process. CASA's own bandpass + gaincal + applycal on the same MS are timed when casatools can
 * run here (`--casa`; test/oracles/cal_casa.py), with the agreement of the solutions.
 *
 *   npm run bench -- calibrate [--reps=N] [--rebuild] [--dir=DIR] [--casa]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { calMsInfo, calReadTable } from '../native/index.js';
import { applyCalibration, calibrate, drawQaPlots, writeQaPlots, type CalibrationOutcome } from '../src/science/calibrate/index.js';
import { convertGroup } from '../src/science/convert/index.js';
import { printTable, summarise } from './support.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PYTHON = fileURLToPath(new URL('../.venv/bin/python', import.meta.url));
const CASA_SCRIPT = fileURLToPath(new URL('../test/oracles/cal_casa.py', import.meta.url));
const TARGET_SOLVE_S = 10;
const TARGET_APPLY_S = 3;

export default async function calibrateBench(args: string[]): Promise<void> {
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const reps = repsArg ? Number(repsArg.slice('--reps='.length)) : 3;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer, got ${repsArg}`);
  const dirArg = args.find((a) => a.startsWith('--dir='));
  const dir = dirArg ? dirArg.slice('--dir='.length) : join(tmpdir(), 'contimg-bench-calibrate');
  const raw = join(dir, 'raw');
  const ms = join(dir, 'calibrator.ms');
  if (args.includes('--rebuild')) await rm(dir, { recursive: true, force: true });
  if (!existsSync(ms)) {
    console.log(`simulating one full-size calibrator group (3C454.3) into ${raw} and converting it ...`);
    await run(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', raw, '--calibrator', '3C454.3', '--no-rfi'], { maxBuffer: 64 * 1024 * 1024 });
    const files = readdirSync(raw).filter((f) => f.endsWith('.hdf5')).sort().map((f) => join(raw, f));
    await convertGroup({ files, out: ms });
  }
  const info = await calMsInfo(ms);
  const visibilities = info.rows * info.spwFreqHz[0]!.length * info.corrTypes.length;

  const predict: number[] = [];
  const solve: number[] = [];
  const apply: number[] = [];
  const plots: number[] = [];
  const blocked: number[] = [];
  let last: CalibrationOutcome | undefined;
  for (let i = 0; i < reps; i++) {
    const outDir = join(dir, `tables-${i}`);
    await rm(outDir, { recursive: true, force: true });
    const outcome = await withLoopBlock(blocked, () => calibrate(ms, { calibrator: '3C454.3', outDir }));
    if (!outcome.accepted) throw new Error(`the benchmark's solve was rejected: ${outcome.rejection}`);
    const applied = await applyCalibration(ms, outcome.tables);
    predict.push(outcome.seconds.predict * 1000);
    solve.push(outcome.seconds.solve * 1000);
    apply.push(applied.seconds * 1000);
    plots.push(outcome.seconds.plots * 1000);
    last = outcome;
  }
  console.log(`calibrate benchmark: ${ms}, ${info.rows.toLocaleString('en-US')} rows, ${visibilities.toLocaleString('en-US')} visibilities; ${reps} runs, median\n`);
  const rows = [
    { result: summarise('predict MODEL_DATA (DFT, beam)', visibilities, predict) },
    { result: summarise('solve BP + G (3 CASA tables)', visibilities, solve) },
    { result: summarise('apply → CORRECTED_DATA', visibilities, apply) },
    { result: summarise('QA plots (6 SVG, Vega-Lite)', visibilities, plots) },
  ];
  let casaSolve: number | undefined;
  if (args.includes('--casa') && last !== undefined) {
    const { stdout } = await run(PYTHON, [CASA_SCRIPT, 'bench', ms, join(dir, 'casa'), ...last.tables.map((t) => t.path)], { maxBuffer: 64 * 1024 * 1024 });
    const casa = JSON.parse(stdout) as { bandpassS: number; gaincalS: number; applycalS: number; amplitudePct: number; phaseDeg: number };
    casaSolve = casa.bandpassS + casa.gaincalS;
    rows.push({ result: summarise('CASA bandpass + gaincal (p, ap)', visibilities, [casaSolve * 1000]) }, { result: summarise('CASA applycal', visibilities, [casa.applycalS * 1000]) });
    console.log(`solutions against CASA's: median amplitude difference ${casa.amplitudePct.toFixed(3)} %, median phase difference ${casa.phaseDeg.toFixed(3)}°`);
  }
  printTable(rows);
  if (last !== undefined) await reportLoopBlock(blocked, last, reps);
  const solveS = summarise('', 1, solve).medianMs / 1000;
  const applyS = summarise('', 1, apply).medianMs / 1000;
  console.log(
    `\nsolve ${solveS.toFixed(2)} s (target ≤ ${TARGET_SOLVE_S} s: ${solveS <= TARGET_SOLVE_S ? 'ok' : 'MISSED'}); ` +
      `apply ${applyS.toFixed(2)} s (target ≤ ${TARGET_APPLY_S} s: ${applyS <= TARGET_APPLY_S ? 'ok' : 'MISSED'})` +
      (casaSolve === undefined ? '; CASA not run (--casa)' : `; ${(casaSolve / solveS).toFixed(1)}× faster than CASA (target ≥ 3×)`),
  );
}

/**
 * Runs `work`, adding to `into` the longest stretch (ms) the event loop went without turning
 * meanwhile: the largest gap between ticks of a 10 ms timer, the last one up to the end included
 * (perf_hooks' monitorEventLoopDelay misses a stall that lasts until the work ends).
 */
async function withLoopBlock<T>(into: number[], work: () => Promise<T>): Promise<T> {
  let last = performance.now();
  let longest = 0;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  };
  const timer = setInterval(tick, 10);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    tick();
    into.push(longest);
  }
}

/**
 * The event loop's longest stall during each whole calibration (predict, solve, plots), and, on the
 * last set's tables, `reps` times, the plots drawn on this thread (as they were before the worker)
 * against the plots drawn in the worker thread.
 */
async function reportLoopBlock(calibrations: readonly number[], outcome: CalibrationOutcome, reps: number): Promise<void> {
  const onThread: number[] = [];
  const inWorker: number[] = [];
  const plotted = outcome.tables.filter((t) => t.kind !== 'K');
  const contents = await Promise.all(plotted.map((t) => calReadTable(t.path)));
  for (let i = 0; i < reps; i++) {
    await withLoopBlock(onThread, async () => {
      for (const [j, t] of plotted.entries()) await drawQaPlots({ name: basename(t.path), kind: t.kind, contents: contents[j]! });
    });
    await withLoopBlock(inWorker, () => writeQaPlots(plotted));
  }
  const ms = (values: readonly number[]) => `${summarise('', 1, values).medianMs.toFixed(0)} ms`;
  console.log(
    `\nevent loop's longest stall: ${ms(calibrations)} per calibration (median); QA plots on the main thread ${ms(onThread)}, in the worker thread ${ms(inWorker)}`,
  );
}
