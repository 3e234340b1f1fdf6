/**
 * The UVH5 reader on 16 full-size DSA-110-like subband files (117 stations, 96 active → 4,656
 * baselines, 24 integrations, 48 channels, 2 pols, complex64 4-D visdata, bool flags, float32
 * uvw), built once with h5py and cached in the temp directory:
 * - the header scan of the 16 files, in a fresh process each repetition (h5wasm's init included)
 *   and in an already warm process, against the 0.5 s target, next to h5py reading every Header/ dataset;
 * - the full data read of one subband (visdata, flags, nsamples) by our block reader, one
 *   integration per block, against h5py reading each dataset whole, each in a fresh process with its peak RSS.
 *
 *   npm run bench -- uvh5 [--reps=N] [--rebuild]
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readBlocks, readHeader } from '../src/science/uvh5/index.js';
import { runOracle } from '../test/support/oracle.js';
import { measure, printTable, summarise, type Measurement } from './support.js';

const CACHE = join(tmpdir(), 'contimg-bench-uvh5');
/** Bump when the files' spec changes, to rebuild the cache. */
const CACHE_VERSION = 2;
const SUBBANDS = 16;
const HEADER_SCAN_TARGET_S = 0.5;
const RUN_TS = fileURLToPath(new URL('./run.ts', import.meta.url));

type Mode = 'headers' | 'data';
interface ProcessRun {
  readonly ms: number;
  readonly maxrss_kb: number;
}

export default async function run(args: string[]): Promise<void> {
  if (args[0] === '--child') return child(args[1] as Mode, args.slice(2));
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const reps = repsArg ? Number(repsArg.slice('--reps='.length)) : 7;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer, got ${repsArg}`);
  const files = await subbandFiles(args.includes('--rebuild'));
  console.log(`uvh5 benchmark: ${reps} repetitions per case, median; files in ${CACHE} (page cache warm)\n`);

  const header = await readHeader(files[0]!);
  const visibilities = header.Nblts * header.Nfreqs * header.Npols;
  const scanOurs = await processRuns(reps, () => ourProcess('headers', files));
  const scanH5py = await processRuns(reps, () => h5pyProcess('headers', files));
  const scanWarm = await measure('header scan, 16 files, warm process', reps, SUBBANDS, () => ({
    run: async () => {
      for (const file of files) await readHeader(file);
    },
  }));
  const dataOurs = await processRuns(reps, () => ourProcess('data', files.slice(0, 1)));
  const dataH5py = await processRuns(reps, () => h5pyProcess('data', files.slice(0, 1)));

  const scanTarget = SUBBANDS / HEADER_SCAN_TARGET_S;
  const scanRef = summary('  reference: h5py, every Header/ dataset', SUBBANDS, scanH5py);
  const dataRef = summary('  reference: h5py, whole datasets', visibilities, dataH5py);
  printTable([
    { result: summary('header scan, 16 files, fresh process', SUBBANDS, scanOurs), reference: scanRef, target: scanTarget },
    { result: scanWarm, reference: scanRef, target: scanTarget },
    { result: scanRef },
    { result: summary('data read, 1 subband, block per integration', visibilities, dataOurs), reference: dataRef },
    { result: dataRef },
  ]);
  const rss = (runs: readonly ProcessRun[]) => `${Math.round(summarise('rss', 1, runs.map((r) => r.maxrss_kb)).medianMs / 1024)} MB`;
  console.log(`\nevents: files for the header scan, visibilities (${visibilities.toLocaleString('en-US')} per subband) for the data read.`);
  console.log(`target ${scanTarget} files/s = 16 headers in ${HEADER_SCAN_TARGET_S} s. ratio vs ref = our time / h5py's.`);
  console.log(`fresh process: timed from the first readHeader (h5wasm's ~120 ms init included); h5py: after 'import h5py'.`);
  console.log(`peak RSS of the data-read process (median): ours ${rss(dataOurs)}, h5py ${rss(dataH5py)}.`);
}

/** The 16 cached subband files, built with h5py on first use. */
export async function subbandFiles(rebuild: boolean): Promise<string[]> {
  const files = Array.from({ length: SUBBANDS }, (_, sb) => join(CACHE, `2026-11-24T08:15:00_sb${String(sb).padStart(2, '0')}.hdf5`));
  const manifest = join(CACHE, 'manifest.json');
  const cached = existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { version: number }).version === CACHE_VERSION;
  if (rebuild || !cached || !files.every((f) => existsSync(f))) {
    mkdirSync(CACHE, { recursive: true });
    console.log(`building ${SUBBANDS} full-size subband files in ${CACHE} (~20 s, once; 2.2 GB)...`);
    const start = performance.now();
    await runOracle('uvh5_make.py', files.flatMap((file, sb) => [file, JSON.stringify({ seed: sb })]));
    writeFileSync(manifest, JSON.stringify({ version: CACHE_VERSION }));
    console.log(`built in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  return files;
}

/** In the child process: time the reads, print a ProcessRun. */
async function child(mode: Mode, files: string[]): Promise<void> {
  if (mode === 'data') await readHeader(files[0]!); // h5wasm's init is not part of the data read
  let checksum = 0;
  const start = performance.now();
  for (const file of files) {
    if (mode === 'headers') {
      checksum += (await readHeader(file)).Nblts;
    } else {
      for await (const block of readBlocks(file)) checksum += block.visibilities[0]! + block.flags[0]! + block.nsamples[0]!;
    }
  }
  const ms = performance.now() - start;
  if (!Number.isFinite(checksum)) throw new Error('unexpected data');
  console.log(JSON.stringify({ ms, maxrss_kb: process.resourceUsage().maxRSS } satisfies ProcessRun));
}

const run$ = promisify(execFile);

async function ourProcess(mode: Mode, files: readonly string[]): Promise<ProcessRun> {
  const { stdout } = await run$(process.execPath, ['--import', 'tsx', RUN_TS, 'uvh5', '--child', mode, ...files]);
  return JSON.parse(stdout) as ProcessRun;
}

async function h5pyProcess(mode: Mode, files: readonly string[]): Promise<ProcessRun> {
  return JSON.parse(await runOracle('uvh5_h5py_read.py', [mode, ...files])) as ProcessRun;
}

async function processRuns(reps: number, once: () => Promise<ProcessRun>): Promise<ProcessRun[]> {
  const runs: ProcessRun[] = [];
  for (let i = 0; i < reps; i++) runs.push(await once());
  return runs;
}

function summary(label: string, events: number, runs: readonly ProcessRun[]): Measurement {
  return summarise(label, events, runs.map((r) => r.ms));
}
