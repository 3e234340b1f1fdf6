// The one place that loads the native core: it validates arguments, which the C++ side trusts.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './packageRoot.js';
import type { CalApplyResult, CalApplySpec, CalMsInfo, CalPredictResult, CalPredictSpec, CalSolveResult, CalSolveSpec, CalTableContents } from './binding.js';
import type { SourceFindResult, SourceFindSpec } from './binding.js';
import type { MosaicAccumulateSpec } from './binding.js';
import type { MsMergeSpwsResult, MsMergeSpwsSpec } from './binding.js';
import type { NativeHeap } from './binding.js';
import type { FitsCard, FitsImage, FitsImageSpec, FitsTable, FlagCounts, FlagPassOptions, Hdf5Dataset, MsBlock, MsCreateSpec, MsHandle, MsSummary, NativeBinding, SimulateUvh5Spec, SimulateUvh5Timing, TableInfo } from './binding.js';

export type { SourceFindComponent, SourceFindResult, SourceFindSpec } from './binding.js';
export type { MosaicAccumulateSpec } from './binding.js';
export type { MsMergeSpwsResult, MsMergeSpwsSpec } from './binding.js';
export type { NativeHeap } from './binding.js';
export type { CalApplyResult, CalApplySpec, CalMsInfo, CalPredictResult, CalPredictSpec, CalSolveResult, CalSolveSpec, CalTableContents, CalTableStats } from './binding.js';
export type { ColumnInfo, FitsCard, FitsImage, FitsImageSpec, FitsTable, FitsTableColumn, FlagCounts, FlagPassOptions, Hdf5Dataset, MsBlock, MsCreateSpec, MsSummary, SimulateUvh5Spec, SimulateUvh5Timing, TableInfo } from './binding.js';

const BINDING_PATH = 'native/build/Release/contimg_native.node';

/** A failure inside casacore; the stack points at the JS call that started the operation. */
export class CasacoreError extends Error {
  override readonly name = 'CasacoreError';
  readonly code = 'ECASACORE';
}

/** A failure while simulating or writing a UVH5 file (HDF5's message when HDF5 failed). */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  readonly code = 'ESIMULATE';
}

function loadBinding(): NativeBinding {
  const path = join(packageRoot(), BINDING_PATH);
  try {
    return createRequire(import.meta.url)(path) as NativeBinding;
  } catch (cause) {
    throw new Error(
      `contimg: cannot load the native core ${path}\n` +
        'Possible causes: it has not been built; it was built for another Node.js version; ' +
        'the libraries it links (casacore: libcasa_tables, libcasa_ms, libcasa_measures, libcasa_casa; HDF5: libhdf5_serial; AOFlagger: libaoflagger) are missing.\n' +
        'Fix: run scripts/bootstrap, or install casacore-dev and libhdf5-dev and run npm run build:native.\n' +
        `Loader said: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

const binding = loadBinding();

function requireNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    const actual = typeof value === 'string' ? 'an empty string' : typeof value;
    throw new TypeError(`${name} must be a non-empty string, got ${actual}`);
  }
}

/** Describe a casacore table (row count, columns, subtables) without blocking the event loop. */
export function tableInfo(path: string): Promise<TableInfo> {
  requireNonEmptyString('path', path);
  // Created now so that its stack shows the caller, not a libuv callback; V8 formats the stack when it
  // is first read, so the message set on rejection still heads it.
  const error = new CasacoreError();
  return binding.tableInfo(path).catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}

function requireInteger(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

function requireFinite(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RangeError(`${name} must be a finite number >= ${min}, got ${String(value)}`);
  }
}

function requireArray<T extends ArrayBufferView>(
  name: string,
  value: unknown,
  type: { new (length: number): T; readonly name: string },
  length: number,
): asserts value is T {
  if (!(value instanceof type)) throw new TypeError(`${name} must be a ${type.name}`);
  const actual = (value as unknown as { length: number }).length;
  if (actual !== length) throw new RangeError(`${name} must have ${length} elements, got ${actual}`);
}

const DATASET_ARRAYS = [Float64Array, Float32Array, Int32Array, BigInt64Array] as const;

function checkDataset(dataset: Hdf5Dataset, index: number): void {
  const name = `header[${index}]`;
  requireNonEmptyString(`${name}.path`, dataset.path);
  if (dataset.path.startsWith('/') || dataset.path.endsWith('/') || dataset.path.includes('//')) {
    throw new RangeError(`${name}.path must be a relative path of named groups, got ${dataset.path}`);
  }
  const shape: unknown = dataset.shape;
  if (!Array.isArray(shape)) throw new TypeError(`${name}.shape must be an array`);
  dataset.shape.forEach((n, d) => requireInteger(`${name}.shape[${d}]`, n, 1));
  const elements = dataset.shape.reduce((a, b) => a * b, 1);
  const { data } = dataset;
  if (Array.isArray(data)) {
    if (!data.every((s) => typeof s === 'string')) throw new TypeError(`${name}.data must hold only strings`);
  } else if (!DATASET_ARRAYS.some((type) => data instanceof type)) {
    throw new TypeError(`${name}.data must be a Float64Array, Float32Array, Int32Array, BigInt64Array or string[]`);
  }
  if (data.length !== elements) throw new RangeError(`${name}.data has ${data.length} elements, its shape [${dataset.shape.join(', ')}] ${elements}`);
}

function checkSimulateSpec(spec: SimulateUvh5Spec): void {
  requireNonEmptyString('path', spec.path);
  if (!Array.isArray(spec.header)) throw new TypeError('header must be an array of datasets');
  spec.header.forEach(checkDataset);
  requireInteger('nTimes', spec.nTimes, 1);
  requireInteger('nAnts', spec.nAnts, 1);
  requireInteger('nPols', spec.nPols, 1);
  if (!(spec.ant1 instanceof Int32Array) || spec.ant1.length === 0) throw new TypeError('ant1 must be a non-empty Int32Array');
  const nBls = spec.ant1.length;
  requireArray('ant2', spec.ant2, Int32Array, nBls);
  for (let b = 0; b < nBls; b++) {
    const [i, j] = [spec.ant1[b]!, spec.ant2[b]!];
    if (i < 0 || j < 0 || i >= spec.nAnts || j >= spec.nAnts) throw new RangeError(`baseline ${b} (${i}, ${j}) names an antenna outside [0, ${spec.nAnts})`);
  }
  requireArray('antennaUvwM', spec.antennaUvwM, Float64Array, spec.nTimes * spec.nAnts * 3);
  if (!(spec.freqHz instanceof Float64Array) || spec.freqHz.length === 0) throw new TypeError('freqHz must be a non-empty Float64Array');
  const nFreqs = spec.freqHz.length;
  const step = nFreqs > 1 ? spec.freqHz[1]! - spec.freqHz[0]! : 0;
  spec.freqHz.forEach((f, k) => {
    if (!(f > 0) || Math.abs(f - (spec.freqHz[0]! + k * step)) > 1e-6 * Math.abs(step)) {
      throw new RangeError(`freqHz must be positive and evenly spaced; channel ${k} is ${f}`);
    }
  });
  if (!(spec.sourceLmn instanceof Float64Array) || spec.sourceLmn.length % (3 * spec.nTimes) !== 0) {
    throw new RangeError('sourceLmn must be a Float64Array of [nTimes, nSources, 3]');
  }
  const nSources = spec.sourceLmn.length / (3 * spec.nTimes);
  requireArray('sourceFluxJy', spec.sourceFluxJy, Float32Array, spec.nTimes * nSources * nFreqs);
  requireArray('gains', spec.gains, Float32Array, spec.nTimes * spec.nAnts * spec.nPols * 2);
  requireArray('bandpass', spec.bandpass, Float32Array, spec.nAnts * spec.nPols * nFreqs * 2);
  requireArray('dead', spec.dead, Uint8Array, spec.nAnts);
  requireFinite('systemJy', spec.systemJy, 0);
  requireFinite('crossSigmaJy', spec.crossSigmaJy, 0);
  requireFinite('autoSigmaJy', spec.autoSigmaJy, 0);
  if (!(spec.rfi instanceof Float64Array) || spec.rfi.length % 5 !== 0) throw new TypeError('rfi must be a Float64Array of [nEvents, 5]');
  requireInteger('seed', spec.seed, 0);
  if (spec.seed > Number.MAX_SAFE_INTEGER) throw new RangeError('seed must be at most 2^53 - 1');
  requireInteger('threads', spec.threads, 1);
}

/**
 * Simulates one UVH5 file (visibilities, flags, nsamples) and writes it with libhdf5, off the event
 * loop (the computation uses `threads` threads). Validates the whole spec first and throws
 * TypeError/RangeError synchronously; rejects with a SimulationError when the simulation or the
 * write fails.
 */
export function simulateUvh5(spec: SimulateUvh5Spec): Promise<SimulateUvh5Timing> {
  checkSimulateSpec(spec);
  const error = new SimulationError();
  return binding.simulateUvh5(spec).catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}

/** Runs a native call with a CasacoreError created here, so its stack shows the JS caller. */
function casacoreCall<T>(call: () => Promise<T>): Promise<T> {
  const error = new CasacoreError();
  return call().catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}

function checkMsCreateSpec(spec: MsCreateSpec): { nBls: number; nChan: number; nPols: number; nSpw: number } {
  requireNonEmptyString('path', spec.path);
  const nAnt = spec.antennaNames.length;
  if (nAnt === 0 || !spec.antennaNames.every((n) => typeof n === 'string')) throw new TypeError('antennaNames must be a non-empty array of strings');
  requireArray('antennaItrfM', spec.antennaItrfM, Float64Array, nAnt * 3);
  requireFinite('dishDiameterM', spec.dishDiameterM, 0);
  requireArray('siteItrfM', spec.siteItrfM, Float64Array, 3);
  if (!(spec.ant1 instanceof Int32Array) || spec.ant1.length === 0) throw new TypeError('ant1 must be a non-empty Int32Array');
  const nBls = spec.ant1.length;
  requireArray('ant2', spec.ant2, Int32Array, nBls);
  for (let b = 0; b < nBls; b++) {
    const [i, j] = [spec.ant1[b]!, spec.ant2[b]!];
    if (i < 0 || j < 0 || i >= nAnt || j >= nAnt) throw new RangeError(`baseline ${b} (${i}, ${j}) names an antenna outside [0, ${nAnt})`);
  }
  const nSpw = spec.spwFreqHz.length;
  if (nSpw === 0) throw new RangeError('spwFreqHz must hold at least one spectral window');
  const nChan = spec.spwFreqHz[0]?.length ?? 0;
  if (nChan === 0) throw new RangeError('every spectral window needs at least one channel');
  let previous = -Infinity;
  spec.spwFreqHz.forEach((freq, s) => {
    requireArray(`spwFreqHz[${s}]`, freq, Float64Array, nChan);
    freq.forEach((f, k) => {
      if (!(f > previous)) throw new RangeError(`spwFreqHz must ascend within and across windows; spw ${s} channel ${k} is ${f}`);
      previous = f;
    });
  });
  if (spec.spwDescending.length !== nSpw || !spec.spwDescending.every((d) => typeof d === 'boolean')) throw new TypeError(`spwDescending must hold ${nSpw} booleans`);
  if (spec.spwNames.length !== nSpw || !spec.spwNames.every((n) => typeof n === 'string')) throw new TypeError(`spwNames must hold ${nSpw} strings`);
  requireFinite('channelWidthHz', spec.channelWidthHz, Number.MIN_VALUE);
  if (!(spec.corrTypes instanceof Int32Array) || spec.corrTypes.length === 0) throw new TypeError('corrTypes must be a non-empty Int32Array');
  if (!spec.corrTypes.every((c) => c >= 9 && c <= 12)) throw new RangeError('corrTypes must be linear correlations (9 XX, 10 XY, 11 YX, 12 YY)');
  if (!(Math.abs(spec.pointingDecAppRad) <= Math.PI / 2)) throw new RangeError(`pointingDecAppRad must be in [-pi/2, pi/2], got ${spec.pointingDecAppRad}`);
  requireFinite('midTimeMjdS', spec.midTimeMjdS, 0);
  requireFinite('integrationS', spec.integrationS, Number.MIN_VALUE);
  requireFinite('timeStartMjdS', spec.timeStartMjdS, 0);
  requireFinite('timeEndMjdS', spec.timeEndMjdS, spec.timeStartMjdS);
  for (const key of ['telescopeName', 'fieldName', 'observer', 'project'] as const) {
    if (typeof spec[key] !== 'string') throw new TypeError(`${key} must be a string`);
  }
  if (!spec.history.every((h) => typeof h === 'string')) throw new TypeError('history must hold strings');
  return { nBls, nChan, nPols: spec.corrTypes.length, nSpw };
}

/**
 * Writes one MeasurementSet: `MsWriter.create(spec)` makes the table and its subtables, each
 * `writeBlock` appends one integration of every spectral window (reordered to ascending frequency,
 * UVW recomputed and visibilities rephased to the fixed J2000 phase centre, in C++ off the event
 * loop), `close` flushes and reopens it read-only to check it; after a failure `discard` gives it
 * up. Calls are serialised; the arrays of a block must not change until its promise settles.
 */
export class MsWriter {
  readonly #handle: MsHandle;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #shape: { nBls: number; nChan: number; nPols: number; nSpw: number };

  private constructor(
    handle: MsHandle,
    shape: { nBls: number; nChan: number; nPols: number; nSpw: number },
    /** The MS phase centre (FIELD PHASE_DIR), J2000, rad. */
    readonly phaseCentre: { readonly raRad: number; readonly decRad: number },
  ) {
    this.#handle = handle;
    this.#shape = shape;
  }

  /** Throws TypeError/RangeError on an invalid spec; rejects with a CasacoreError when casacore fails. */
  static async create(spec: MsCreateSpec): Promise<MsWriter> {
    const shape = checkMsCreateSpec(spec);
    const created = await casacoreCall(() => binding.msCreate(spec));
    return new MsWriter(created.handle, shape, { raRad: created.phaseCentreRaRad, decRad: created.phaseCentreDecRad });
  }

  writeBlock(block: MsBlock): Promise<void> {
    const handle = this.#open();
    const { nBls, nChan, nPols, nSpw } = this.#shape;
    requireFinite('timeMjdS', block.timeMjdS, 0);
    for (const [name, arrays, type, length] of [
      ['visibilities', block.visibilities, Float32Array, nBls * nChan * nPols * 2],
      ['flags', block.flags, Uint8Array, nBls * nChan * nPols],
      ['nsamples', block.nsamples, Float32Array, nBls * nChan * nPols],
    ] as const) {
      if (arrays.length !== nSpw) throw new RangeError(`${name} must hold one array per spectral window (${nSpw}), got ${arrays.length}`);
      arrays.forEach((a, s) => requireArray(`${name}[${s}]`, a, type as unknown as { new (n: number): ArrayBufferView; readonly name: string }, length));
    }
    return this.#enqueue(() => binding.msWriteBlock(handle, block));
  }

  /** Closes the MS and checks it (row count, ascending frequencies, UVW of cross-correlations). */
  close(): Promise<MsSummary> {
    const handle = this.#open();
    this.#closed = true;
    return this.#enqueue(() => binding.msClose(handle));
  }

  /**
   * Gives the MS up after a failed write or close (a full disk, say): closes it unwritten, its
   * files emptied; the caller removes the directory.
   */
  discard(): Promise<void> {
    this.#closed = true;
    return this.#enqueue(() => binding.msDiscard(this.#handle));
  }

  #open(): MsHandle {
    if (this.#closed) throw new Error('MsWriter: the MeasurementSet is closed');
    return this.#handle;
  }

  #enqueue<T>(call: () => Promise<T>): Promise<T> {
    // Created now so that its stack shows the caller, not the queue.
    const error = new CasacoreError();
    const run = this.#queue.then(() =>
      call().catch((nativeError: unknown) => {
        error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
        throw error;
      }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** A failure reading or writing a FITS file (cfitsio's message, naming the file) or in a WCS transform (wcslib's). */
export class FitsError extends Error {
  override readonly name = 'FitsError';
  readonly code = 'EFITS';
}

function fitsCall<T>(call: () => Promise<T>): Promise<T> {
  const error = new FitsError();
  return call().catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}

function checkCards(cards: readonly FitsCard[]): void {
  const list: unknown = cards;
  if (!Array.isArray(list)) throw new TypeError('cards must be an array');
  cards.forEach((card, i) => {
    if (typeof card.name !== 'string' || !/^[A-Z0-9_-]{0,8}$/.test(card.name)) throw new RangeError(`cards[${i}].name must be a FITS keyword (≤ 8 of A-Z 0-9 _ -), got ${String(card.name)}`);
    const value: unknown = card.value;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw new TypeError(`cards[${i}].value must be a string, number, boolean or null`);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`cards[${i}] (${card.name}) must be finite, got ${value}`);
    if (card.comment !== undefined && typeof card.comment !== 'string') throw new TypeError(`cards[${i}].comment must be a string`);
  });
}

/** Reads one image HDU (0 = primary) with cfitsio, off the event loop; rejects with a FitsError. */
export function fitsReadImage(path: string, hdu = 0): Promise<FitsImage> {
  requireNonEmptyString('path', path);
  requireInteger('hdu', hdu, 0);
  return fitsCall(() => binding.fitsReadImage(path, hdu));
}

/** Writes a float32 image as the primary HDU of a new FITS file (replacing one there); rejects with a FitsError. */
export function fitsWriteImage(path: string, image: FitsImageSpec): Promise<void> {
  requireNonEmptyString('path', path);
  checkCards(image.cards);
  const shape: unknown = image.shape;
  if (!Array.isArray(shape) || shape.length === 0) throw new TypeError('shape must be a non-empty array');
  image.shape.forEach((n, d) => requireInteger(`shape[${d}]`, n, 1));
  requireArray('data', image.data, Float32Array, image.shape.reduce((a, b) => a * b, 1));
  return fitsCall(() => binding.fitsWriteImage(path, image));
}

/** Adds or replaces keywords of one HDU in place (commentary cards are appended); rejects with a FitsError. */
export function fitsUpdateHeader(path: string, cards: readonly FitsCard[], hdu = 0): Promise<void> {
  requireNonEmptyString('path', path);
  requireInteger('hdu', hdu, 0);
  checkCards(cards);
  return fitsCall(() => binding.fitsUpdateHeader(path, hdu, cards));
}

/**
 * Transforms coordinates through the WCS of a FITS header (wcslib's wcspih, wcsp2s / wcss2p).
 * `coords` is [n, naxis] row-major; pixels are FITS 1-based, world coordinates in the header's
 * units (degrees for celestial axes). Invalid coordinates come back as NaN.
 */
export function wcsTransform(headerText: string, coords: Float64Array, naxis: number, direction: 'toWorld' | 'toPixel'): Promise<Float64Array> {
  requireNonEmptyString('headerText', headerText);
  if (headerText.length % 80 !== 0) throw new RangeError('headerText must be a whole number of 80-character records');
  requireInteger('naxis', naxis, 1);
  if (!(coords instanceof Float64Array) || coords.length % naxis !== 0) throw new RangeError(`coords must be a Float64Array of [n, ${naxis}]`);
  return fitsCall(() => binding.wcsTransform(headerText, coords, naxis, direction === 'toWorld'));
}

/** Reads the first table extension (binary or ASCII) of a FITS file, gzip-compressed too, off the event loop; rejects with a FitsError. */
export function fitsReadTable(path: string): Promise<FitsTable> {
  requireNonEmptyString('path', path);
  return fitsCall(() => binding.fitsReadTable(path));
}

/**
 * One pass over a MeasurementSet's FLAG off the event loop (casacore locked only while reading and
 * writing): clears it (`reset`), ORs in AOFlagger's flags of the cross-correlations (`aoflagger`),
 * flags exact-zero DATA (`zeros`) and autocorrelations (`autos`), then counts the flags per antenna
 * and per channel. Rejects with a CasacoreError.
 */
export function msFlagPass(path: string, options: FlagPassOptions): Promise<FlagCounts> {
  requireNonEmptyString('path', path);
  for (const key of ['reset', 'zeros', 'autos'] as const) {
    if (typeof options[key] !== 'boolean') throw new TypeError(`options.${key} must be a boolean`);
  }
  const { aoflagger } = options;
  if (aoflagger !== undefined) {
    requireNonEmptyString('options.aoflagger.strategy', aoflagger.strategy);
    if (!Number.isInteger(aoflagger.threads) || aoflagger.threads < 0) throw new TypeError(`options.aoflagger.threads must be an integer >= 0, got ${aoflagger.threads}`);
  }
  const error = new CasacoreError();
  return binding.msFlagPass(path, { reset: options.reset, zeros: options.zeros, autos: options.autos, ...(aoflagger && { aoflagger: { strategy: aoflagger.strategy, threads: aoflagger.threads } }) }).catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}

/**
 * Writes `output`: `input` with its spectral windows (equal channel counts, no overlap) joined
 * into one in frequency order, `column` as DATA, FLAG and WEIGHT_SPECTRUM alongside. An imager
 * grids one window in one pass where it took one pass per window. Rejects with a CasacoreError.
 */
export function msMergeSpws(spec: MsMergeSpwsSpec): Promise<MsMergeSpwsResult> {
  requireNonEmptyString('input', spec.input);
  requireNonEmptyString('output', spec.output);
  requireNonEmptyString('column', spec.column);
  return casacoreCall(() => binding.msMergeSpws(spec));
}

/** What calibration needs to know about a MeasurementSet (antennas, times, SPWs, fields); rejects with a CasacoreError. */
export function calMsInfo(path: string): Promise<CalMsInfo> {
  requireNonEmptyString('path', path);
  return casacoreCall(() => binding.calMsInfo(path));
}

/** Writes the direct Fourier transform of point sources into MODEL_DATA, off the event loop; rejects with a CasacoreError. */
export function calPredict(spec: CalPredictSpec): Promise<CalPredictResult> {
  requireNonEmptyString('msPath', spec.msPath);
  requireArray('siteItrfM', spec.siteItrfM, Float64Array, 3);
  requireInteger('nSources', spec.nSources, 1);
  if (!(spec.sourceHaDecRad instanceof Float64Array) || spec.sourceHaDecRad.length % (2 * spec.nSources) !== 0) {
    throw new RangeError('sourceHaDecRad must be a Float64Array of [nTimes][nSources][2]');
  }
  if (!spec.sourceHaDecRad.every(Number.isFinite)) throw new RangeError('sourceHaDecRad must be finite');
  if (!(spec.fluxJy instanceof Float32Array) || spec.fluxJy.length % spec.nSources !== 0) throw new RangeError('fluxJy must be a Float32Array of [nTimes][nSources][nChannels]');
  if (!spec.fluxJy.every(Number.isFinite)) throw new RangeError('fluxJy must be finite');
  requireInteger('threads', spec.threads, 1);
  return casacoreCall(() => binding.calPredict(spec));
}

/** Solves bandpass and gains against MODEL_DATA and writes three CASA calibration tables; rejects with a CasacoreError. */
export function calSolve(spec: CalSolveSpec): Promise<CalSolveResult> {
  for (const key of ['msPath', 'bandpassPath', 'gainPhasePath', 'gainAmpPath'] as const) requireNonEmptyString(key, spec[key]);
  if (spec.delayPath !== undefined) requireNonEmptyString('delayPath', spec.delayPath);
  requireInteger('refAntenna', spec.refAntenna, -1);
  requireInteger('minBaselines', spec.minBaselines, 1);
  requireFinite('minSnr', spec.minSnr, 0);
  requireFinite('phaseSolintS', spec.phaseSolintS, Number.MIN_VALUE);
  requireInteger('fillGapChannels', spec.fillGapChannels, 0);
  requireInteger('threads', spec.threads, 1);
  return casacoreCall(() => binding.calSolve(spec));
}

/** Applies calibration tables: CORRECTED_DATA, weights and flags, off the event loop; rejects with a CasacoreError. */
export function calApply(spec: CalApplySpec): Promise<CalApplyResult> {
  requireNonEmptyString('msPath', spec.msPath);
  const tables: unknown = spec.tables;
  if (!Array.isArray(tables) || tables.length === 0) throw new TypeError('tables must be a non-empty array');
  spec.tables.forEach((t, i) => {
    requireNonEmptyString(`tables[${i}].path`, t.path);
    if (t.interp !== 'nearest' && t.interp !== 'linear') throw new RangeError(`tables[${i}].interp must be 'nearest' or 'linear'`);
  });
  requireInteger('threads', spec.threads, 1);
  return casacoreCall(() => binding.calApply(spec));
}

/** Reads a calibration table's solutions, antenna names and frequencies; rejects with a CasacoreError. */
export function calReadTable(path: string): Promise<CalTableContents> {
  requireNonEmptyString('path', path);
  return casacoreCall(() => binding.calReadTable(path));
}

/** A failure inside the native source finder. */
export class SourceFindError extends Error {
  override readonly name = 'SourceFindError';
  readonly code = 'ESOURCEFIND';
}

/**
 * Background and rms maps over a box mesh, islands above `seedSigma` grown through `floodSigma`,
 * and elliptical-Gaussian fits of each island (GSL), off the event loop; rejects with a SourceFindError.
 */
export function sourceFind(spec: SourceFindSpec): Promise<SourceFindResult> {
  requireInteger('nx', spec.nx, 1);
  requireInteger('ny', spec.ny, 1);
  requireArray('data', spec.data, Float32Array, spec.nx * spec.ny);
  requireFinite('beamSigmaMajorPx', spec.beamSigmaMajorPx, Number.MIN_VALUE);
  requireFinite('beamSigmaMinorPx', spec.beamSigmaMinorPx, Number.MIN_VALUE);
  requireFinite('beamThetaRad', spec.beamThetaRad, -Infinity);
  requireFinite('floodSigma', spec.floodSigma, Number.MIN_VALUE);
  requireFinite('seedSigma', spec.seedSigma, spec.floodSigma);
  requireInteger('boxPx', spec.boxPx, 3);
  requireInteger('stepPx', spec.stepPx, 1);
  requireInteger('maxComponents', spec.maxComponents, 1);
  requireInteger('threads', spec.threads, 1);
  const error = new SourceFindError();
  return binding.sourceFind(spec).catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}

/**
 * Adds one tile to a mosaic's running sums (Σ pb·I, Σ pb², in place) at the tile positions of the
 * mosaic pixels, off the event loop; resolves to the pixels the tile reached. JS must leave the
 * arrays alone until it settles.
 */
export function mosaicAccumulate(spec: MosaicAccumulateSpec): Promise<number> {
  requireInteger('width', spec.width, 1);
  requireInteger('height', spec.height, 1);
  requireArray('image', spec.image, Float32Array, spec.width * spec.height);
  requireArray('pb', spec.pb, Float32Array, spec.width * spec.height);
  requireInteger('mosaicWidth', spec.mosaicWidth, 1);
  if (!(spec.sum instanceof Float64Array) || spec.sum.length % spec.mosaicWidth !== 0) throw new TypeError(`sum must be a Float64Array of whole rows of ${spec.mosaicWidth}`);
  requireArray('weight', spec.weight, Float64Array, spec.sum.length);
  const { x0, y0, width, height } = spec.region;
  requireInteger('region.x0', x0, 0);
  requireInteger('region.y0', y0, 0);
  requireInteger('region.width', width, 1);
  requireInteger('region.height', height, 1);
  if (x0 + width > spec.mosaicWidth || (y0 + height) * spec.mosaicWidth > spec.sum.length) throw new RangeError('region must lie within the mosaic');
  requireArray('pixels', spec.pixels, Float64Array, 2 * width * height);
  requireFinite('pbCutoff', spec.pbCutoff, 0);
  if (spec.interpolation !== 'bilinear' && spec.interpolation !== 'bicubic') throw new RangeError(`interpolation must be 'bilinear' or 'bicubic', got ${String(spec.interpolation)}`);
  requireInteger('threads', spec.threads, 1);
  return binding.mosaicAccumulate(spec);
}

/** What malloc holds for the whole process: memory V8's heap figures do not show. */
export function nativeHeap(): NativeHeap {
  return binding.nativeHeap();
}

/**
 * Gives the pages malloc holds free back to the system. glibc keeps freed memory for reuse, so
 * after a stage's big, short-lived buffers a long-running process would hold their high-water mark.
 */
export function releaseNativeMemory(): boolean {
  return binding.releaseNativeMemory();
}
