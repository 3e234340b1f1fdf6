/**
 * Imaging of one full-size simulated group (96 antennas, 16 subbands × 48 channels, 24
 * integrations; converted once into a MeasurementSet), quick and full mode, each run in a fresh
 * process (`contimg image --json`; wall and CPU time and peak RSS from /usr/bin/time, the RSS
 * being the largest of node and WSClean), with the share of the stage spent outside WSClean
 * (staging, headers, primary beam), then the science of the stages after it (image QA, source
 * finding, forced photometry) timed on each image in this process.
 *
 * Each mode also runs as it was before the speed-ups ("before": quick mode with WSClean's default 20
 * major cycles at most and its default gridder accuracy, no baseline-dependent averaging in either mode), the runs
 * interleaved so that the load of a shared machine falls on both alike; CPU time is the steadier
 * figure there.
 *
 *   npm run bench -- image [--quick-reps=N] [--full-reps=N] [--modes=quick,full] [--no-before] [--rebuild] [--dir=DIR]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { convertGroup } from '../src/science/convert/index.js';
import { assessImage, measurementSetFacts } from '../src/science/image/index.js';
import { forcedPhotometry, loadPhotometryImage } from '../src/science/photometry/index.js';
import { findSources, imageCone } from '../src/science/sources/index.js';
import { intArg, printTable, summarise } from './support.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
/** The group cadence: imaging must fit in it with the other stages. */
const CADENCE_S = 309.24;
const TARGET_OUTSIDE_WSCLEAN = 0.05;
const TARGET_QUICK_SHARE = 0.25;
const QA_THRESHOLDS = { warnDynamicRange: 10, badDynamicRange: 3, warnNoiseRatio: 2, badNoiseRatio: 5 };

interface Case {
  readonly label: string;
  readonly mode: 'quick' | 'full';
  /** Settings of the case (config environment variables). */
  readonly env: Readonly<Record<string, string>>;
}

const CASES: readonly Case[] = [
  { label: 'quick', mode: 'quick', env: {} },
  { label: 'quick, before', mode: 'quick', env: { CONTIMG_IMAGE_QUICK_MAJOR_CYCLES: '20', CONTIMG_IMAGE_MAX_SMEARING_LOSS: '0', CONTIMG_IMAGE_QUICK_GRIDDER_ACCURACY: '1e-4' } },
  { label: 'full', mode: 'full', env: {} },
  { label: 'full, before', mode: 'full', env: { CONTIMG_IMAGE_MAX_SMEARING_LOSS: '0' } },
];

interface Run {
  readonly wallS: number;
  readonly cpuS: number;
  readonly rssKb: number;
  readonly wscleanS: number;
  readonly imageS: number;
  readonly sizePx: number;
  readonly cellArcsec: number;
  readonly grade: string;
  readonly rmsJy: number;
  readonly noiseRatio: number;
  readonly peakJy: number;
  readonly validateS: number;
  readonly findS: number;
  readonly photometryS: number;
  readonly sources: number;
  readonly load: number;
}

interface CliResult {
  image: { wscleanSeconds: number; totalSeconds: number; sizePx: number; cellArcsec: number; products: Record<string, string> };
  qa: { grade: string; sourceFreeRmsJy: number; noiseRatio: number; peakJy: number };
}

const seconds = (start: number) => (performance.now() - start) / 1000;

/** The stages after imaging, as their science functions: QA (validate), source finding (crossmatch, no catalog), forced photometry at the sources found. */
async function stagesAfter(ms: string, products: Record<string, string>) {
  let start = performance.now();
  await assessImage(products['image']!, await measurementSetFacts(ms), QA_THRESHOLDS, join(products['image']!, '..'));
  const validateS = seconds(start);
  start = performance.now();
  const finding = await findSources(products['pbcor']!);
  await imageCone(finding);
  const findS = seconds(start);
  start = performance.now();
  const loaded = await loadPhotometryImage(products['pbcor']!);
  await forcedPhotometry(loaded, finding.sources.map((s, i) => ({ sourceId: `s${i}`, raDeg: s.raDeg, decDeg: s.decDeg })));
  return { validateS, findS, photometryS: seconds(start), sources: finding.sources.length };
}

async function imageOnce(ms: string, out: string, c: Case): Promise<Run> {
  const load = loadavg()[0]!;
  const start = performance.now();
  const args = ['-f', 'RSS_KB=%M CPU_S=%U+%S', process.execPath, '--import', 'tsx', MAIN, 'image', ms, '--out', out, '--json', ...(c.mode === 'quick' ? ['--quick'] : [])];
  const { stdout, stderr } = await run('/usr/bin/time', args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...c.env } });
  const wallS = seconds(start);
  const cpu = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  const result = JSON.parse(stdout) as CliResult;
  return {
    wallS,
    cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
    rssKb: Number(/RSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0),
    wscleanS: result.image.wscleanSeconds,
    imageS: result.image.totalSeconds,
    sizePx: result.image.sizePx,
    cellArcsec: result.image.cellArcsec,
    grade: result.qa.grade,
    rmsJy: result.qa.sourceFreeRmsJy,
    noiseRatio: result.qa.noiseRatio,
    peakJy: result.qa.peakJy,
    ...(await stagesAfter(ms, result.image.products)),
    load,
  };
}

const median = (values: readonly number[]) => summarise('', 1, values).medianMs;

async function prepare(dir: string, rebuild: boolean): Promise<string> {
  const raw = join(dir, 'raw');
  const ms = join(dir, 'group.ms');
  if (rebuild) await rm(dir, { recursive: true, force: true });
  if (!existsSync(raw)) {
    console.log(`simulating one full-size group into ${raw} ...`);
    await run(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', raw, '--no-rfi', '--no-gains'], { maxBuffer: 64 * 1024 * 1024 });
  }
  if (!existsSync(ms)) {
    console.log(`converting it into ${ms} ...`);
    const files = readdirSync(raw).filter((f) => f.endsWith('.hdf5')).sort().map((f) => join(raw, f));
    await convertGroup({ files, out: ms });
  }
  return ms;
}

function describe(c: Case, runs: readonly Run[]): string {
  const outside = median(runs.map((r) => (r.imageS - r.wscleanS) / r.imageS));
  const last = runs.at(-1)!;
  const m = (f: (r: Run) => number, digits = 1) => median(runs.map(f)).toFixed(digits);
  return (
    `${c.label}: ${last.sizePx}² px of ${last.cellArcsec}″; wall ${m((r) => r.wallS)} s, CPU ${m((r) => r.cpuS)} s; WSClean ${m((r) => r.wscleanS)} s of an image stage of ` +
    `${m((r) => r.imageS)} s: ${(100 * outside).toFixed(1)} % outside WSClean (target ≤ ${100 * TARGET_OUTSIDE_WSCLEAN} %: ${outside <= TARGET_OUTSIDE_WSCLEAN ? 'ok' : 'MISSED'}); ` +
    `peak RSS ${(Math.max(...runs.map((r) => r.rssKb)) / 1e6).toFixed(2)} GB; grade ${last.grade}, rms ${(1e3 * last.rmsJy).toFixed(3)} mJy = ${last.noiseRatio.toFixed(2)} × thermal, ` +
    `peak ${(1e3 * last.peakJy).toFixed(1)} mJy\n    after it: validate ${m((r) => r.validateS)} s, source finding ${m((r) => r.findS)} s (${last.sources} sources), ` +
    `forced photometry at them ${m((r) => r.photometryS)} s; load average ${m((r) => r.load, 2)} at the starts`
  );
}

export default async function imageBench(args: string[]): Promise<void> {
  const reps = { quick: intArg(args, 'quick-reps', 3), full: intArg(args, 'full-reps', 1) };
  const dirArg = args.find((a) => a.startsWith('--dir='));
  const dir = dirArg ? dirArg.slice('--dir='.length) : join(tmpdir(), 'contimg-bench-image');
  const ms = await prepare(dir, args.includes('--rebuild'));
  const modes = (args.find((a) => a.startsWith('--modes='))?.slice('--modes='.length) ?? 'quick,full').split(',');
  const cases = CASES.filter((c) => modes.includes(c.mode) && (!args.includes('--no-before') || !c.label.endsWith('before')));

  const runs = new Map<Case, Run[]>(cases.map((c) => [c, []]));
  for (const mode of (['quick', 'full'] as const).filter((m) => modes.includes(m))) {
    for (let i = 0; i < reps[mode]; i++) {
      for (const c of cases.filter((k) => k.mode === mode)) {
        const out = join(dir, 'images');
        await rm(out, { recursive: true, force: true });
        const r = await imageOnce(ms, out, c);
        console.log(`  ${c.label} run ${i + 1}: ${r.wallS.toFixed(1)} s wall, ${r.cpuS.toFixed(1)} s CPU, WSClean ${r.wscleanS.toFixed(1)} s of an image stage of ${r.imageS.toFixed(1)} s (load ${r.load.toFixed(2)})`);
        runs.get(c)!.push(r);
      }
    }
  }
  console.log(`image benchmark: ${ms}; ${reps.quick} quick and ${reps.full} full runs of each case, median\n`);
  printTable(cases.map((c) => ({ result: summarise(`contimg image${c.mode === 'quick' ? ' --quick' : ''} (${c.label}; fresh process, with QA)`, 1, runs.get(c)!.map((r) => 1000 * r.wallS)) })));
  console.log(`\n${cases.map((c) => describe(c, runs.get(c)!)).join('\n')}`);
  const wall = (label: string) => median(runs.get(CASES.find((c) => c.label === label)!)?.map((r) => r.wallS) ?? [NaN]);
  const has = (label: string) => cases.some((c) => c.label === label);
  if (has('quick') && has('full')) {
    const share = wall('quick') / wall('full');
    console.log(`quick / full wall time: ${share.toFixed(2)} (target ≤ ${TARGET_QUICK_SHARE}: ${share <= TARGET_QUICK_SHARE ? 'ok' : 'MISSED'})`);
  }
  for (const mode of modes) if (has(mode) && has(`${mode}, before`)) console.log(`${mode} mode, wall time before / after: ${(wall(`${mode}, before`) / wall(mode)).toFixed(2)}×`);
  console.log(`(the group cadence is ${CADENCE_S} s)`);
}
