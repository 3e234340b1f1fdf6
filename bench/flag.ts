/**
 * The flag stage on one full-size simulated group (96 antennas × 16 subbands × 48 channels × 24
 * integrations × 2 pols, noise and injected RFI on), before and after, in one script:
 *
 * - before: the stage as it was, a native pass clearing FLAG, the `aoflagger` program with its
 *   generic strategy (what it picks for DSA_110; memory read mode), a native pass flagging exact
 *   zeros and autocorrelations;
 * - AOFlagger's library in one native pass with the same generic strategy (what the I/O costs);
 * - after: the stage now, the library in one pass with contimg's DSA-110 strategy.
 *
 * Each runs `--reps` times (median); the last run of each is checked against the simulator's RFI
 * truth (test/oracles/flag_fractions.py): the RFI samples flagged and the clean samples flagged.
 *
 *   npm run bench -- flag [--reps=N] [--rebuild] [--dir=DIR]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { msFlagPass } from '../native/index.js';
import { convertGroup } from '../src/science/convert/index.js';
import { flagMeasurementSet } from '../src/science/flag/flagMs.js';
import { intArg, printTable, summarise, type Row } from './support.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PYTHON = fileURLToPath(new URL('../.venv/bin/python', import.meta.url));
const FLAG_FRACTIONS = fileURLToPath(new URL('../test/oracles/flag_fractions.py', import.meta.url));
const GENERIC_STRATEGY = '/usr/share/aoflagger/strategies/generic-default.lua';

interface Case {
  readonly label: string;
  /** Flags the MS; resolves to the seconds of its parts. */
  flag(ms: string): Promise<Record<string, number>>;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

const CASES: readonly Case[] = [
  {
    label: 'before: reset + aoflagger program (generic) + zeros/autos',
    async flag(ms) {
      const reset = await timed(() => msFlagPass(ms, { reset: true, zeros: false, autos: false }));
      const aoflagger = await timed(() => run('aoflagger', [ms], { maxBuffer: 64 * 1024 * 1024 }));
      const zerosAndAutos = await timed(() => msFlagPass(ms, { reset: false, zeros: true, autos: true }));
      return { reset, aoflagger, zerosAndAutos };
    },
  },
  {
    label: 'one pass, AOFlagger library (generic)',
    async flag(ms) {
      return { ...(await flagMeasurementSet(ms, { strategy: GENERIC_STRATEGY })).seconds };
    },
  },
  {
    label: 'after: one pass, AOFlagger library (dsa110.lua)',
    async flag(ms) {
      return { ...(await flagMeasurementSet(ms)).seconds };
    },
  },
];

async function fullSizeGroup(dir: string, rebuild: boolean): Promise<{ ms: string; truth: string }> {
  const raw = join(dir, 'raw');
  const truthDir = join(dir, 'truth');
  const ms = join(dir, 'group.ms');
  if (rebuild) await rm(dir, { recursive: true, force: true });
  if (!existsSync(ms)) {
    console.log(`simulating one full-size group (noise and RFI on) into ${raw} and converting it ...`);
    await run(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', raw, '--truth-dir', truthDir], { maxBuffer: 64 * 1024 * 1024 });
    await convertGroup({ files: readdirSync(raw).filter((f) => f.endsWith('.hdf5')).sort().map((f) => join(raw, f)), out: ms });
  }
  const truth = readdirSync(truthDir).find((f) => f.endsWith('_truth.json'));
  if (!truth) throw new Error(`no truth JSON in ${truthDir}: rerun with --rebuild`);
  return { ms, truth: join(truthDir, truth) };
}

export default async function flagBench(args: string[]): Promise<void> {
  const reps = intArg(args, 'reps', 3);
  const dirArg = args.find((a) => a.startsWith('--dir='));
  const { ms, truth } = await fullSizeGroup(dirArg ? dirArg.slice('--dir='.length) : join(tmpdir(), 'contimg-bench-flag'), args.includes('--rebuild'));
  const counts = await msFlagPass(ms, { reset: false, zeros: false, autos: false });
  const samples = counts.totalSamples;

  const rows: Row[] = [];
  const parts: string[] = [];
  const quality: string[] = [];
  // Interleaved repetitions, so that load from elsewhere falls on every case alike.
  const times = CASES.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) {
    for (const [c, flagCase] of CASES.entries()) {
      const start = performance.now();
      await flagCase.flag(ms);
      times[c]!.push(performance.now() - start);
    }
  }
  for (const [c, flagCase] of CASES.entries()) {
    const result = summarise(flagCase.label, samples, times[c]!);
    rows.push({ result, ...(c > 0 && rows[0] && { reference: rows[0].result }) });
    // Once more, so that the MS holds this case's flags for the oracle.
    const seconds = await flagCase.flag(ms);
    parts.push(`${flagCase.label}: ${Object.entries(seconds).map(([part, s]) => `${part} ${s.toFixed(1)} s`).join(', ')}`);
    const { stdout } = await run(PYTHON, [FLAG_FRACTIONS, ms, truth], { maxBuffer: 64 * 1024 * 1024 });
    const oracle = JSON.parse(stdout) as { rfiSamples: number; rfiFlaggedFraction: number; cleanFlaggedFraction: number; flaggedFraction: number };
    quality.push(
      `${flagCase.label}: RFI flagged ${(100 * oracle.rfiFlaggedFraction).toFixed(2)} % of ${oracle.rfiSamples.toLocaleString('en-US')}, ` +
        `clean flagged ${(100 * oracle.cleanFlaggedFraction).toFixed(3)} %, all flagged ${(100 * oracle.flaggedFraction).toFixed(2)} %`,
    );
  }
  console.log(`flag benchmark: ${ms}, ${counts.rows.toLocaleString('en-US')} rows, ${samples.toLocaleString('en-US')} samples; ${reps} runs each, interleaved, median\n`);
  printTable(rows);
  console.log(`\nparts of one more run each:\n  ${parts.join('\n  ')}`);
  console.log(`\nagainst the simulator's RFI truth (live cross-correlations):\n  ${quality.join('\n  ')}`);
  console.log(`\nafter / before: ${(rows[0]!.result.medianMs / rows[2]!.result.medianMs).toFixed(2)}× faster`);
}
