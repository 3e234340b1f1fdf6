/**
 * The catalog database at NVSS size: inserting 1.8 M synthetic NVSS-like sources (δ > −40°, the
 * NVSS sky) and cone searches of beam-sized radii, each against a brute-force scan of the same
 * sources in memory (unit vectors in a Float64Array); optionally (--flag) flagging one full-size
 * simulated group with RFI (reset, AOFlagger, zeros and autocorrelations); optionally (--import)
 * importing the same sources from a HEASARC tdat file, as `contimg catalog import` would.
 *
 *   npm run bench -- catalog [--rows=N] [--queries=N] [--import] [--flag] [--dir=DIR]
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CatalogDb } from '../src/catalogs/catalogDb.js';
import type { CatalogSource } from '../src/science/catalogs/catalogSource.js';
import { halfPowerRadiusDeg } from '../src/science/catalogs/calibratorSelection.js';
import { importCatalog } from '../src/catalogs/importCatalog.js';
import { flagMeasurementSet } from '../src/science/flag/flagMs.js';
import { random } from '../test/support/random.js';
import { intArg, printTable, summarise } from './support.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const RAD = Math.PI / 180;
const NVSS_SOURCES = 1_773_484;
const NVSS_MIN_DEC = -40;
const BRUTE_FORCE_QUERIES = 10;

/** A point uniform on the sphere above δ = −40°. */
function skyPoint(next: () => number): [number, number] {
  const sinLow = Math.sin(NVSS_MIN_DEC * RAD);
  return [360 * next(), Math.asin(sinLow + (1 - sinLow) * next()) / RAD];
}

function syntheticNvss(rows: number): CatalogSource[] {
  const next = random(1);
  return Array.from({ length: rows }, (_, i) => {
    const [raDeg, decDeg] = skyPoint(next);
    // N(>S) ∝ S^-1 above the NVSS completeness limit of 2.5 mJy.
    return { name: `S${i}`, raDeg, decDeg, fluxJy: 0.0025 / (1 - next()), fluxErrJy: 0.0005, majorArcsec: 20, minorArcsec: 15 };
  });
}

function coneBench(db: CatalogDb, sources: readonly CatalogSource[], queries: number) {
  const next = random(2);
  const cones = Array.from({ length: queries }, () => skyPoint(next));
  const xyz = new Float64Array(sources.length * 3);
  sources.forEach((s, i) => xyz.set([Math.cos(s.decDeg * RAD) * Math.cos(s.raDeg * RAD), Math.cos(s.decDeg * RAD) * Math.sin(s.raDeg * RAD), Math.sin(s.decDeg * RAD)], 3 * i));
  const rows = [];
  const notes: string[] = [];
  for (const radius of [halfPowerRadiusDeg(), 3]) {
    let found = 0;
    const times = cones.map(([ra, dec]) => {
      const start = performance.now();
      found += db.coneSearch(ra, dec, radius).length;
      return performance.now() - start;
    });
    const bruteTimes = cones.slice(0, BRUTE_FORCE_QUERIES).map(([ra, dec]) => {
      const start = performance.now();
      const [cx, cy, cz] = [Math.cos(dec * RAD) * Math.cos(ra * RAD), Math.cos(dec * RAD) * Math.sin(ra * RAD), Math.sin(dec * RAD)];
      const minDot = Math.cos(radius * RAD);
      let n = 0;
      for (let i = 0; i < xyz.length; i += 3) if (xyz[i]! * cx + xyz[i + 1]! * cy + xyz[i + 2]! * cz >= minDot) n++;
      if (n < 0) throw new Error('unreachable');
      return performance.now() - start;
    });
    const ours = summarise(`cone search r = ${radius.toFixed(2)}° (${(found / queries).toFixed(0)} sources each)`, 1, times);
    const brute = summarise(`  brute-force scan, same cones (${BRUTE_FORCE_QUERIES})`, 1, bruteTimes);
    rows.push({ result: ours, reference: brute }, { result: brute });
    notes.push(`r = ${radius.toFixed(2)}°: median ${ours.medianMs.toFixed(3)} ms per cone search (max ${ours.maxMs.toFixed(3)} ms), brute force ${brute.medianMs.toFixed(3)} ms: ${(brute.medianMs / ours.medianMs).toFixed(1)}× faster`);
  }
  return { rows, notes };
}

/** The sources as HEASARC's heasarc_nvss.tdat, then imported from it: parse and insert, as a user runs it. */
async function importBench(dir: string, sources: readonly CatalogSource[]) {
  const path = join(dir, 'heasarc_nvss.tdat');
  const header = [
    '<HEADER>',
    'table_name = heasarc_nvss',
    'field[name] = char18',
    'field[ra] = float8:.5f_degree',
    'field[dec] = float8:.5f_degree',
    'field[flux_20_cm] = float4:.1f_mJy',
    'field[flux_20_cm_error] = float4:.1f_mJy',
    'field[major_axis] = float4:.1f_arcsec',
    'field[minor_axis] = float4:.1f_arcsec',
    'line[1] = name ra dec flux_20_cm flux_20_cm_error major_axis minor_axis',
    '<DATA>',
  ];
  const body = sources.map((s) => `NVSS ${s.name}|${s.raDeg.toFixed(5)}|${s.decDeg.toFixed(5)}|${(s.fluxJy * 1000).toFixed(1)}|0.5|20.0|15.0|`);
  await writeFile(path, `${[...header, ...body, '<END>'].join('\n')}\n`);
  const db = CatalogDb.open(join(dir, 'imported'));
  try {
    const start = performance.now();
    const result = await importCatalog(db, path);
    const seconds = (performance.now() - start) / 1000;
    console.log(`\nimport of a ${(statSync(path).size / 1e6).toFixed(0)} MB HEASARC tdat file (${result.rows.toLocaleString('en-US')} sources): ${seconds.toFixed(1)} s, peak RSS so far ${(process.resourceUsage().maxRSS / 1e6).toFixed(2)} GB`);
  } finally {
    db.close();
  }
}

async function flagBench(dir: string) {
  const raw = join(dir, 'raw');
  const ms = join(dir, 'group.ms');
  if (!existsSync(raw)) {
    console.log(`simulating one full-size group with RFI into ${raw} ...`);
    await run(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', raw], { maxBuffer: 64 * 1024 * 1024 });
  }
  if (!existsSync(ms)) {
    console.log('converting it ...');
    const files = readdirSync(raw).filter((f) => f.endsWith('.hdf5')).map((f) => join(raw, f));
    await run(process.execPath, ['--import', 'tsx', MAIN, 'convert', '--out', ms, ...files], { maxBuffer: 64 * 1024 * 1024 });
  }
  const start = performance.now();
  const summary = await flagMeasurementSet(ms);
  const total = (performance.now() - start) / 1000;
  const s = summary.seconds;
  console.log(
    `\nflagging a full-size group: ${total.toFixed(1)} s (read ${s.read.toFixed(1)} s, AOFlagger ${s.aoflagger.toFixed(1)} s, zeros, autos and write ${s.write.toFixed(1)} s); ` +
      `${(100 * summary.flaggedFraction).toFixed(2)} % flagged (autocorrelations ${(100 * summary.autoFraction).toFixed(2)} %, exact zeros ${(100 * summary.zeroFraction).toFixed(2)} %)`,
  );
}

export default async function catalogBench(args: string[]): Promise<void> {
  const rows = intArg(args, 'rows', NVSS_SOURCES);
  const queries = intArg(args, 'queries', 200);
  const dirArg = args.find((a) => a.startsWith('--dir='));
  const dir = dirArg ? dirArg.slice('--dir='.length) : await mkdtemp(join(tmpdir(), 'contimg-bench-catalog-'));
  const dbDir = join(dir, 'catalogs');
  await rm(dbDir, { recursive: true, force: true });
  const sources = syntheticNvss(rows);
  const db = CatalogDb.open(dbDir);
  try {
    const start = performance.now();
    db.replaceCatalog({ catalog: 'nvss', format: 'synthetic', sourceFile: 'generated', sha256: '0'.repeat(64), rows, skipped: 0 }, sources, new Date().toISOString());
    const insert = summarise(`insert ${rows.toLocaleString('en-US')} sources (one transaction)`, rows, [performance.now() - start]);
    console.log(`catalog benchmark: ${rows.toLocaleString('en-US')} synthetic NVSS-like sources, ${queries} random cones per radius; medians per query\n`);
    const cones = coneBench(db, sources, queries);
    printTable([{ result: insert }, ...cones.rows]);
    console.log(`\n${cones.notes.join('\n')}`);
  } finally {
    db.close();
  }
  if (args.includes('--import')) await importBench(dir, sources);
  if (args.includes('--flag')) await flagBench(dir);
  if (!dirArg) await rm(dir, { recursive: true, force: true });
}
