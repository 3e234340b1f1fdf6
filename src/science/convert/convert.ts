/**
 * One group of UVH5 subband files → one MeasurementSet: plan and check the set, write it through
 * the native writer into a staging directory beside the output, validate it by reopening it with
 * casacore, then rename it into place (atomic on one filesystem). Nothing partial is left at `out`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MsWriter, tableInfo } from '../../../native/index.js';
import { ensureFreeSpace } from '../diskSpace.js';
import { DISH_DIAMETER_M, TELESCOPE_NAME } from '../site.js';
import { SITE_ECEF } from '../stations.js';
import { openUvh5, type Uvh5File } from '../uvh5/index.js';
import { ConvertError } from './errors.js';
import { planConversion, type ConversionPlan } from './plan.js';

const MJD_OFFSET_JD = 2400000.5;
const jdToMjdSeconds = (jd: number) => (jd - MJD_OFFSET_JD) * 86400;
const midTimeMjdS = ({ timesJd }: ConversionPlan) => jdToMjdSeconds((timesJd[0]! + timesJd[timesJd.length - 1]!) / 2);

/** Columns a converted MS must have. */
export const REQUIRED_COLUMNS = [
  'TIME', 'INTERVAL', 'EXPOSURE', 'ANTENNA1', 'ANTENNA2', 'UVW', 'DATA', 'FLAG', 'WEIGHT', 'SIGMA',
  'WEIGHT_SPECTRUM', 'MODEL_DATA', 'CORRECTED_DATA', 'DATA_DESC_ID', 'FIELD_ID',
] as const;

export interface ConvertOptions {
  readonly files: readonly string[];
  /** The MeasurementSet to create; must not exist. */
  readonly out: string;
  /** Station table (default: the shared DSA-110 CSV). */
  readonly stationsCsv?: string;
  /** Called after each integration is written with the fraction done. */
  readonly onProgress?: ((fraction: number) => void) | undefined;
  /** Stops between integrations; the staging directory is removed. */
  readonly signal?: AbortSignal | undefined;
}

export interface ConvertResult {
  readonly out: string;
  readonly rows: number;
  readonly spectralWindows: number;
  readonly channelsPerWindow: number;
  readonly baselines: number;
  readonly antennas: number;
  readonly integrations: number;
  /** Mid-time of the observation, MJD (UTC). */
  readonly midMjd: number;
  readonly minFreqHz: number;
  readonly maxFreqHz: number;
  /** FIELD PHASE_DIR, J2000, degrees. */
  readonly phaseCentre: { readonly raDeg: number; readonly decDeg: number };
  /** Bytes of visibility data written (DATA only). */
  readonly dataBytes: number;
  readonly seconds: { readonly plan: number; readonly write: number; readonly validate: number; readonly total: number };
}

function toFloat32(vis: Float32Array | Float64Array): Float32Array {
  return vis instanceof Float32Array ? vis : Float32Array.from(vis);
}

/** Whether every value is finite: x·0 is 0 for finite x and NaN for NaN and ±∞, so one sum tells. */
function allFinite(values: Float32Array | Float64Array): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * 0;
  return sum === 0;
}

/** Bytes per visibility the MS needs at least: DATA, MODEL_DATA, CORRECTED_DATA (complex64) and WEIGHT_SPECTRUM (float32). */
const MS_BYTES_PER_VISIBILITY = 3 * 8 + 4;

const stagingPrefix = (target: string) => `.${basename(target)}.staging-`;

/**
 * Removes what an interrupted conversion to `out` may have left: staging directories (a process
 * killed mid-write) and the MS itself (killed after the move, before its event was recorded).
 */
export async function removeConversionLeftovers(out: string): Promise<string[]> {
  const target = resolve(out);
  const prefix = stagingPrefix(target);
  const entries = await readdir(dirname(target)).catch(() => []);
  const leftovers = [...entries.filter((e) => e.startsWith(prefix)).map((e) => join(dirname(target), e)), ...(existsSync(target) ? [target] : [])];
  await Promise.all(leftovers.map((path) => rm(path, { recursive: true, force: true })));
  return leftovers;
}

/** Converts; throws ConvertError (bad input or output), Uvh5Error (unreadable file) or CasacoreError. */
export async function convertGroup({ files, out, stationsCsv, onProgress, signal }: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  const target = resolve(out);
  if (existsSync(target)) throw new ConvertError('output-exists', [], `${target} exists already`);
  const plan = await planConversion(files, stationsCsv);
  const planned = performance.now();
  await ensureFreeSpace(target, plan.nTimes * plan.subbands.length * plan.nBls * plan.nChan * plan.nPols * MS_BYTES_PER_VISIBILITY);

  const staging = await mkdtemp(join(dirname(target), stagingPrefix(target)));
  try {
    const msPath = join(staging, basename(target));
    const { writer, summary } = await writeMs(plan, msPath, basename(target).replace(/\.ms$/, ''), { onProgress, signal });
    const written = performance.now();
    await validate(plan, msPath, summary);
    await rename(msPath, target);
    const finished = performance.now();
    return {
      out: target,
      rows: summary.rows,
      spectralWindows: plan.subbands.length,
      channelsPerWindow: plan.nChan,
      baselines: plan.nBls,
      antennas: plan.antennaNames.length,
      integrations: plan.nTimes,
      midMjd: midTimeMjdS(plan) / 86400,
      minFreqHz: summary.minFreqHz,
      maxFreqHz: summary.maxFreqHz,
      phaseCentre: { raDeg: (writer.phaseCentre.raRad * 180) / Math.PI, decDeg: (writer.phaseCentre.decRad * 180) / Math.PI },
      dataBytes: summary.rows * plan.nChan * plan.nPols * 8,
      seconds: {
        plan: (planned - started) / 1000,
        write: (written - planned) / 1000,
        validate: (finished - written) / 1000,
        total: (finished - started) / 1000,
      },
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function writeMs(plan: ConversionPlan, path: string, fieldName: string, { onProgress, signal }: Pick<ConvertOptions, 'onProgress' | 'signal'>) {
  const { timesJd, integrationS } = plan;
  const writer = await MsWriter.create({
    path,
    antennaNames: plan.antennaNames,
    antennaItrfM: plan.antennaItrfM,
    dishDiameterM: DISH_DIAMETER_M,
    siteItrfM: Float64Array.from(SITE_ECEF),
    ant1: plan.ant1,
    ant2: plan.ant2,
    spwFreqHz: plan.subbands.map((s) => s.freqHz),
    spwDescending: plan.subbands.map((s) => s.descending),
    spwNames: plan.subbands.map((s) => basename(s.file)),
    channelWidthHz: plan.channelWidthHz,
    corrTypes: plan.corrTypes,
    pointingDecAppRad: plan.pointingDecAppRad,
    midTimeMjdS: midTimeMjdS(plan),
    integrationS,
    timeStartMjdS: jdToMjdSeconds(timesJd[0]!) - integrationS / 2,
    timeEndMjdS: jdToMjdSeconds(timesJd[timesJd.length - 1]!) + integrationS / 2,
    telescopeName: TELESCOPE_NAME,
    fieldName,
    observer: 'DSA-110',
    project: 'contimg',
    history: [`contimg convert: ${plan.subbands.length} subband files`, ...plan.subbands.map((s) => `input: ${s.file}`)],
  });
  const opened: Uvh5File[] = [];
  let pending: Promise<void> | undefined;
  try {
    for (const s of plan.subbands) opened.push(await openUvh5(s.file));
    for (let t = 0; t < plan.nTimes; t++) {
      signal?.throwIfAborted();
      // Read integration t (h5wasm, on this thread) while the writer works on t − 1.
      const blocks = opened.map((f) => f.readRows(t * plan.nBls, plan.nBls));
      const nonFinite = blocks.findIndex((b) => !allFinite(b.visibilities));
      if (nonFinite >= 0) {
        const { file } = plan.subbands[nonFinite]!;
        throw new ConvertError('non-finite-data', [file], `${basename(file)}: visibilities of integration ${t} are not finite (NaN or infinite)`);
      }
      await pending;
      if (t > 0) onProgress?.(t / plan.nTimes);
      pending = writer.writeBlock({
        timeMjdS: jdToMjdSeconds(timesJd[t]!),
        visibilities: blocks.map((b) => toFloat32(b.visibilities)),
        flags: blocks.map((b) => b.flags),
        nsamples: blocks.map((b) => b.nsamples),
      });
    }
    await pending;
    onProgress?.(1);
    return { writer, summary: await writer.close() };
  } catch (error) {
    await pending?.catch(() => undefined);
    await writer.discard();
    throw error;
  } finally {
    for (const f of opened) f.close();
  }
}

async function validate(plan: ConversionPlan, path: string, summary: { rows: number; zeroUvwCrossRows: number; frequenciesAscending: boolean }) {
  const fail = (detail: string): never => {
    throw new ConvertError('invalid-output', [], `${path}: ${detail}`);
  };
  const info = await tableInfo(path);
  const expectedRows = plan.nTimes * plan.subbands.length * plan.nBls;
  if (info.nrows !== expectedRows) fail(`${info.nrows} rows, expected ${expectedRows}`);
  const columns = new Set(info.columns.map((c) => c.name));
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) fail(`columns missing: ${missing.join(', ')}`);
  for (const sub of ['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'POLARIZATION', 'DATA_DESCRIPTION', 'OBSERVATION', 'FEED', 'HISTORY']) {
    if (info.subtables[sub] === undefined) fail(`subtable ${sub} missing`);
  }
  if (!summary.frequenciesAscending) fail('channel frequencies do not ascend');
  if (summary.zeroUvwCrossRows > 0) fail(`${summary.zeroUvwCrossRows} cross-correlation rows have an all-zero UVW`);
}
