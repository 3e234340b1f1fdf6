/**
 * Imaging of one full-size simulated group (96 antennas, 16 subbands × 48 channels, 24
 * integrations; converted once into a MeasurementSet), quick and full mode, each run in a fresh
 * process (`contimg image --json`, peak RSS from /usr/bin/time: the largest of node and WSClean),
 * with the share of the stage spent outside WSClean (staging, headers, primary beam) and the QA
 * that follows it.
 *
 *   npm run bench -- image [--quick-reps=N] [--full-reps=N] [--rebuild] [--dir=DIR]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { convertGroup } from '../src/science/convert/index.js';
import { intArg, printTable, summarise } from './support.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
/** The group cadence: imaging must fit in it with the other stages. */
const CADENCE_S = 309.24;
const TARGET_OUTSIDE_WSCLEAN = 0.05;

interface Run {
  readonly wallMs: number;
  readonly rssKb: number;
  readonly wscleanS: number;
  readonly imageS: number;
  readonly sizePx: number;
  readonly cellArcsec: number;
  readonly grade: string;
  readonly rmsJy: number;
  readonly noiseRatio: number;
}

async function imageOnce(ms: string, out: string, quick: boolean): Promise<Run> {
  const start = performance.now();
  const args = ['-f', 'RSS_KB=%M', process.execPath, '--import', 'tsx', MAIN, 'image', ms, '--out', out, '--json', ...(quick ? ['--quick'] : [])];
  const { stdout, stderr } = await run('/usr/bin/time', args, { maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - start;
  const result = JSON.parse(stdout) as { image: { wscleanSeconds: number; totalSeconds: number; sizePx: number; cellArcsec: number }; qa: { grade: string; sourceFreeRmsJy: number; noiseRatio: number } };
  return {
    wallMs,
    rssKb: Number(/RSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0),
    wscleanS: result.image.wscleanSeconds,
    imageS: result.image.totalSeconds,
    sizePx: result.image.sizePx,
    cellArcsec: result.image.cellArcsec,
    grade: result.qa.grade,
    rmsJy: result.qa.sourceFreeRmsJy,
    noiseRatio: result.qa.noiseRatio,
  };
}

const median = (values: readonly number[]) => summarise('', 1, values).medianMs;

export default async function imageBench(args: string[]): Promise<void> {
  const quickReps = intArg(args, 'quick-reps', 3);
  const fullReps = intArg(args, 'full-reps', 1);
  const dirArg = args.find((a) => a.startsWith('--dir='));
  const dir = dirArg ? dirArg.slice('--dir='.length) : join(tmpdir(), 'contimg-bench-image');
  const raw = join(dir, 'raw');
  const ms = join(dir, 'group.ms');
  if (args.includes('--rebuild')) await rm(dir, { recursive: true, force: true });
  if (!existsSync(raw)) {
    console.log(`simulating one full-size group into ${raw} ...`);
    await run(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', raw, '--no-rfi', '--no-gains'], { maxBuffer: 64 * 1024 * 1024 });
  }
  if (!existsSync(ms)) {
    console.log(`converting it into ${ms} ...`);
    const files = readdirSync(raw).filter((f) => f.endsWith('.hdf5')).sort().map((f) => join(raw, f));
    await convertGroup({ files, out: ms });
  }

  const rows = [];
  const lines: string[] = [];
  for (const [mode, reps] of [['quick', quickReps], ['full', fullReps]] as const) {
    const runs: Run[] = [];
    for (let i = 0; i < reps; i++) {
      const out = join(dir, 'images');
      await rm(out, { recursive: true, force: true });
      const r = await imageOnce(ms, out, mode === 'quick');
      console.log(`  ${mode} run ${i + 1}: ${(r.wallMs / 1000).toFixed(1)} s wall, WSClean ${r.wscleanS.toFixed(1)} s of an image stage of ${r.imageS.toFixed(1)} s, peak RSS ${(r.rssKb / 1e6).toFixed(2)} GB`);
      runs.push(r);
    }
    rows.push({ result: summarise(`contimg image${mode === 'quick' ? ' --quick' : ''} (fresh process, with QA)`, 1, runs.map((r) => r.wallMs)) });
    const outside = median(runs.map((r) => (r.imageS - r.wscleanS) / r.imageS));
    const last = runs.at(-1)!;
    lines.push(
      `${mode}: ${last.sizePx}² px of ${last.cellArcsec}″; WSClean median ${median(runs.map((r) => r.wscleanS)).toFixed(1)} s of an image stage of ` +
        `${median(runs.map((r) => r.imageS)).toFixed(1)} s: ${(100 * outside).toFixed(1)} % outside WSClean (target ≤ ${100 * TARGET_OUTSIDE_WSCLEAN} %: ` +
        `${outside <= TARGET_OUTSIDE_WSCLEAN ? 'ok' : 'MISSED'}); peak RSS ${(Math.max(...runs.map((r) => r.rssKb)) / 1e6).toFixed(2)} GB; ` +
        `grade ${last.grade}, rms ${(1e3 * last.rmsJy).toFixed(3)} mJy = ${last.noiseRatio.toFixed(2)} × thermal`,
    );
  }
  console.log(`image benchmark: ${ms}; ${quickReps} quick and ${fullReps} full runs, median\n`);
  printTable(rows);
  console.log(`\n${lines.join('\n')}\n(the group cadence is ${CADENCE_S} s)`);
}
