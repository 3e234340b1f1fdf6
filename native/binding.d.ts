// Hand-written types for build/Release/contimg_native.node. Only native/index.ts loads it.

export interface ColumnInfo {
  readonly name: string;
  /** casacore's element type: "Bool", "Int", "Int64", "Float", "Double", "Complex", "DComplex", "String", … */
  readonly dataType: string;
  readonly isArray: boolean;
  /** Array columns whose dimensionality is fixed. */
  readonly ndim?: number;
  /** Fixed-shape array columns, in casacore axis order (fastest-varying first: DATA is [nCorr, nChan]). */
  readonly shape?: readonly number[];
  /** The storage manager the column is bound to, e.g. "StandardStMan", "TiledColumnStMan". */
  readonly dataManagerType: string;
}

export interface TableInfo {
  readonly nrows: number;
  /** The TableInfo type, e.g. "Measurement Set"; empty when the table has none. */
  readonly tableType: string;
  readonly columns: readonly ColumnInfo[];
  /** Keywords that refer to subtables: keyword name → absolute path. */
  readonly subtables: Readonly<Record<string, string>>;
}

/** One dataset of an HDF5 file; `shape` [] is a scalar. Strings are written fixed-length, null-padded (h5py's bytes). */
export interface Hdf5Dataset {
  /** Slash-separated path from the root, e.g. "Header/extra_keywords/phase_center_dec"; groups are created as needed. */
  readonly path: string;
  readonly shape: readonly number[];
  readonly data: Float64Array | Float32Array | Int32Array | BigInt64Array | readonly string[];
}

/**
 * One simulated UVH5 file. Rows are baseline-times, time-major (row = t·nBls + b), with
 * ant1[b] ≤ ant2[b] antenna indices and uvw = xyz(ant2) − xyz(ant1); nBls = ant1.length.
 * V(i, j) = g_i conj(g_j) b_i conj(b_j) (Σ_s S_s exp(+2πi (u l + v m + w (n − 1)) ν / c) + noise + RFI);
 * autocorrelations are |g_i b_i|² (systemJy + Σ_s S_s + noise + RFI), real.
 */
export interface SimulateUvh5Spec {
  readonly path: string;
  /** Written first, in order (the UVH5 Header/); Data/visdata, flags and nsamples follow, shaped (Nblts, 1, Nfreqs, Npols). */
  readonly header: readonly Hdf5Dataset[];
  readonly nTimes: number;
  readonly nAnts: number;
  readonly nPols: number;
  readonly ant1: Int32Array;
  readonly ant2: Int32Array;
  /** [nTimes, nAnts, 3] antenna coordinates in the phase centre's (u, v, w) frame, m (any common origin). */
  readonly antennaUvwM: Float64Array;
  /** [nFreqs] channel frequencies, evenly spaced (ascending or descending), Hz. */
  readonly freqHz: Float64Array;
  /** [nTimes, nSources, 3] direction cosines (l, m, n) of each source from the phase centre. */
  readonly sourceLmn: Float64Array;
  /** [nTimes, nSources, nFreqs] apparent flux density (spectrum and primary beam applied), Jy. */
  readonly sourceFluxJy: Float32Array;
  /** [nTimes, nAnts, nPols, 2] complex gains. */
  readonly gains: Float32Array;
  /** [nAnts, nPols, nFreqs, 2] complex bandpasses. */
  readonly bandpass: Float32Array;
  /** [nAnts] 1 = dead: every baseline with it is zero and flagged. */
  readonly dead: Uint8Array;
  /** Autocorrelation power before gains (the SEFD), Jy. */
  readonly systemJy: number;
  /** Thermal noise rms of the real and of the imaginary part of a cross-correlation, Jy. */
  readonly crossSigmaJy: number;
  /** Thermal noise rms of an autocorrelation, Jy. */
  readonly autoSigmaJy: number;
  /** [nEvents, 5]: first integration, end integration (exclusive), first channel, end channel (exclusive), amplitude Jy. */
  readonly rfi: Float64Array;
  /** Noise and RFI phases are a function of the seed and the integration only (not of the thread count). */
  readonly seed: number;
  readonly threads: number;
}

export interface SimulateUvh5Timing {
  readonly computeSeconds: number;
  readonly writeSeconds: number;
}

export interface MsMergeSpwsSpec {
  readonly input: string;
  /** Must not exist. */
  readonly output: string;
  /** The column of `input` that becomes the output's DATA, e.g. "CORRECTED_DATA". */
  readonly column: string;
}

export interface MsMergeSpwsResult {
  readonly rows: number;
  /** Spectral windows joined. */
  readonly spws: number;
  /** Channels of the one window written. */
  readonly channels: number;
}

/** A MeasurementSet being written (msCreate → msWriteBlock… → msClose); opaque to JS. */
export type MsHandle = { readonly __brand: 'contimg.MsHandle' };

/**
 * A new MeasurementSet: one FIELD (the J2000 place of hour angle 0 at pointingDecAppRad at
 * midTimeMjdS, computed with casacore Measures), one SPW per subband, rows added per integration.
 * Times are UTC seconds since MJD 0 (the MS convention).
 */
export interface MsCreateSpec {
  readonly path: string;
  /** ANTENNA rows, in antenna-index order. */
  readonly antennaNames: readonly string[];
  /** [nAnt, 3] ITRF positions, m. */
  readonly antennaItrfM: Float64Array;
  readonly dishDiameterM: number;
  /** [3] ITRF position of the array reference (the measures frame), m. */
  readonly siteItrfM: Float64Array;
  /** [nBls] antenna indices of every baseline, in the order of each block's rows; uvw = xyz(ant2) − xyz(ant1). */
  readonly ant1: Int32Array;
  readonly ant2: Int32Array;
  /** Per SPW, ascending across and within SPWs: channel frequencies, Hz (equal channel counts). */
  readonly spwFreqHz: readonly Float64Array[];
  /** Per SPW: true when the blocks hold its channels in descending frequency (raw DSA-110 files). */
  readonly spwDescending: readonly boolean[];
  readonly spwNames: readonly string[];
  readonly channelWidthHz: number;
  /** Stokes codes of the correlations (9 XX, 10 XY, 11 YX, 12 YY). */
  readonly corrTypes: Int32Array;
  /** Apparent (of date) declination of the raw data's meridian phase centres, rad. */
  readonly pointingDecAppRad: number;
  readonly midTimeMjdS: number;
  readonly integrationS: number;
  readonly timeStartMjdS: number;
  readonly timeEndMjdS: number;
  readonly telescopeName: string;
  readonly fieldName: string;
  readonly observer: string;
  readonly project: string;
  /** HISTORY messages. */
  readonly history: readonly string[];
}

export interface MsCreated {
  readonly handle: MsHandle;
  readonly phaseCentreRaRad: number;
  readonly phaseCentreDecRad: number;
}

/**
 * One integration of every SPW (MS order). Each array is [nBls, nChan, nPols] (visibilities with a
 * last axis re, im) in the raw file's channel order, as phased by the correlator: to hour angle 0
 * at pointingDecAppRad at this integration's time, V = Σ S exp(+2πi (ul + vm + w(n − 1)) ν / c).
 */
export interface MsBlock {
  readonly timeMjdS: number;
  readonly visibilities: readonly Float32Array[];
  readonly flags: readonly Uint8Array[];
  readonly nsamples: readonly Float32Array[];
}

/** What msClose found on reopening the MS read-only. */
export interface MsSummary {
  readonly rows: number;
  /** Cross-correlation rows whose UVW is (0, 0, 0): 0 in a valid MS. */
  readonly zeroUvwCrossRows: number;
  readonly frequenciesAscending: boolean;
  readonly minFreqHz: number;
  readonly maxFreqHz: number;
}

/** One FITS header card: a keyword with a value, or a commentary card (COMMENT, HISTORY, blank) with value null and its text in comment. */
export interface FitsCard {
  readonly name: string;
  readonly value: string | number | boolean | null;
  readonly comment?: string;
}

/** An image HDU: its cards, its header as 80-character records (what wcslib parses), NAXIS1-first shape and pixels. */
export interface FitsImage {
  readonly cards: readonly FitsCard[];
  readonly headerText: string;
  readonly shape: readonly number[];
  /** Pixels in FITS order (NAXIS1 fastest), converted to float32; blank pixels are NaN. */
  readonly data: Float32Array;
}

/** What fitsWriteImage writes: SIMPLE, BITPIX (-32) and NAXISn come from `shape`, so such cards are skipped. */
export interface FitsImageSpec {
  readonly cards: readonly FitsCard[];
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface NativeBinding {
  /** Rejects with an Error whose message is "casacore: " followed by casacore's own message. */
  tableInfo(path: string): Promise<TableInfo>;
  /** Rejects with an Error whose message starts "HDF5: " for a failed write. */
  simulateUvh5(spec: SimulateUvh5Spec): Promise<SimulateUvh5Timing>;
  /** The three MeasurementSet-writer calls reject with "casacore: …". */
  msCreate(spec: MsCreateSpec): Promise<MsCreated>;
  msMergeSpws(spec: MsMergeSpwsSpec): Promise<MsMergeSpwsResult>;
  msWriteBlock(handle: MsHandle, block: MsBlock): Promise<void>;
  msClose(handle: MsHandle): Promise<MsSummary>;
  /** Closes an MS unwritten, its files emptied (a failed write or close leaves it open for this). */
  msDiscard(handle: MsHandle): Promise<void>;
  /** The FITS and WCS calls reject with "cfitsio: <path>: …" or "wcslib: …". `hdu` is 0-based. */
  fitsReadImage(path: string, hdu: number): Promise<FitsImage>;
  fitsWriteImage(path: string, image: FitsImageSpec): Promise<void>;
  fitsUpdateHeader(path: string, hdu: number, cards: readonly FitsCard[]): Promise<void>;
  /** coords is [n, naxis] row-major: FITS 1-based pixel coordinates → world (toWorld), or back. */
  wcsTransform(headerText: string, coords: Float64Array, naxis: number, toWorld: boolean): Promise<Float64Array>;
  /** The first table extension of a FITS file; rejects with "cfitsio: <path>: …". */
  fitsReadTable(path: string): Promise<FitsTable>;
  /** Background and rms maps, islands and their Gaussian fits in one plane; rejects with "sourceFind: …". */
  sourceFind(spec: SourceFindSpec): Promise<SourceFindResult>;
  /** Adds one tile to a mosaic's Σ pb·I and Σ pb²; resolves to the pixels it reached; rejects with "mosaic: …". */
  mosaicAccumulate(spec: MosaicAccumulateSpec): Promise<number>;
  /** One pass over a MeasurementSet's FLAG; rejects with "casacore: …". */
  msFlagPass(path: string, options: FlagPassOptions): Promise<FlagCounts>;
  /** The calibration calls reject with "casacore: …" (calMsInfo, calPredict) or "calibrate: …". */
  calMsInfo(path: string): Promise<CalMsInfo>;
  calPredict(spec: CalPredictSpec): Promise<CalPredictResult>;
  calSolve(spec: CalSolveSpec): Promise<CalSolveResult>;
  calApply(spec: CalApplySpec): Promise<CalApplyResult>;
  calReadTable(path: string): Promise<CalTableContents>;
  nativeHeap(): NativeHeap;
  releaseNativeMemory(): boolean;
}

/** glibc malloc's totals over every arena (the native core, casacore, V8's off-heap buffers), bytes. */
export interface NativeHeap {
  /** Allocated and not yet freed. */
  readonly inUseBytes: number;
  /** Freed and kept by malloc for reuse; resident until reused or released (releaseNativeMemory). */
  readonly freeBytes: number;
  /** Address space malloc manages: in use + free. */
  readonly mappedBytes: number;
  /** Arenas: the main one and one per group of threads that allocated at the same time. */
  readonly arenas: number;
}

/** What calibration needs to know about a MeasurementSet. */
export interface CalMsInfo {
  readonly rows: number;
  readonly antennaNames: readonly string[];
  /** Unique integration times, MJD seconds (UTC), ascending. */
  readonly timesMjdS: Float64Array;
  readonly integrationS: number;
  /** Per SPW (MS order), channel frequencies, Hz. */
  readonly spwFreqHz: readonly Float64Array[];
  readonly corrTypes: Int32Array;
  /** FIELD rows: name and J2000 phase centre. */
  readonly fields: readonly { readonly name: string; readonly raRad: number; readonly decRad: number }[];
}

/**
 * Point sources predicted into MODEL_DATA at the MS's integrations: their apparent places (local
 * hour angle, declination of date) [nTimes][nSources][2] and flux [nTimes][nSources][nSpw · nChan]
 * (beam and spectrum applied).
 */
export interface CalPredictSpec {
  readonly msPath: string;
  /** The array's reference position, ITRF m (where the phase centre's hour angle is taken). */
  readonly siteItrfM: Float64Array;
  readonly nSources: number;
  readonly sourceHaDecRad: Float64Array;
  readonly fluxJy: Float32Array;
  readonly threads: number;
}

export interface CalPredictResult {
  readonly rows: number;
  /** The largest |MODEL_DATA| written, Jy. */
  readonly maxAbsJy: number;
}

export interface CalSolveSpec {
  readonly msPath: string;
  /** New tables written there (they must not exist). */
  readonly bandpassPath: string;
  readonly gainPhasePath: string;
  readonly gainAmpPath: string;
  /** With it, delays (K) are solved from the bandpass and written there; the bandpass table then holds what they leave. */
  readonly delayPath?: string;
  /** Preferred reference antenna (ANTENNA row), or -1 to choose the one with the most unflagged data. */
  readonly refAntenna: number;
  readonly minBaselines: number;
  readonly minSnr: number;
  readonly phaseSolintS: number;
  /** Flagged runs of at most this many channels between solved ones are interpolated. */
  readonly fillGapChannels: number;
  readonly threads: number;
}

export interface CalTableStats {
  readonly kind: 'BP' | 'G' | 'K';
  readonly path: string;
  readonly rows: number;
  /** Antenna × cell solutions, for the antennas present in the MS; `flagged` of them flagged. */
  readonly solutions: number;
  readonly flagged: number;
  /** Flagged bandpass channels interpolated from their neighbours. */
  readonly filled: number;
  readonly cells: number;
  /** Cells referenced to another antenna because the reference antenna had no solution there. */
  readonly refMissingCells: number;
  readonly medianSnr: number;
  /** RMS of the solution phases about each antenna's mean (over channels for BP, over time for G; 0 for K), degrees. */
  readonly phaseRmsDeg: number;
  readonly antennasSolved: number;
}

export interface CalSolveResult {
  readonly refAntenna: number;
  readonly refAntennaName: string;
  /** Of the unflagged cross-correlation visibilities, the fraction whose MODEL_DATA is non-zero. */
  readonly modelNonZeroFraction: number;
  readonly dataFlaggedFraction: number;
  /** Per antenna present in the MS (ANTENNA order), the fraction of bandpass solutions flagged. */
  readonly antennaFlaggedFraction: Float64Array;
  /** [nAntennas] 1 where the antenna appears in the main table. */
  readonly antennaPresent: Uint8Array;
  /** Bandpass, phase-only gains, amplitude-and-phase gains, then delays when solved. */
  readonly tables: readonly CalTableStats[];
}

export interface CalApplySpec {
  readonly msPath: string;
  readonly tables: readonly { readonly path: string; readonly interp: 'nearest' | 'linear' }[];
  readonly threads: number;
}

export interface CalApplyResult {
  readonly cells: number;
  readonly flaggedBefore: number;
  readonly flaggedAfter: number;
  readonly unflagged: number;
  readonly unflaggedNonZeroFinite: number;
}

/** A calibration table's solutions (complex parameters), one entry per row. */
export interface CalTableContents {
  /** "B Jones", "G Jones", … */
  readonly visCal: string;
  readonly nPol: number;
  readonly nChan: number;
  readonly timeMjdS: Float64Array;
  readonly spw: Int32Array;
  readonly antenna: Int32Array;
  /** [row][chan][pol] (re, im). */
  readonly cparam: Float32Array;
  /** [row][chan][pol] 1 where flagged. */
  readonly flag: Uint8Array;
  /** The ANTENNA subtable's names (indexed by `antenna`). */
  readonly antennaNames: readonly string[];
  /** The SPECTRAL_WINDOW subtable's channel frequencies per SPW, Hz. */
  readonly spwFreqHz: readonly Float64Array[];
}

/** One scalar column of a FITS table: numbers (NaN for nulls) or strings ("" for nulls; logicals as "T"/"F"). */
export interface FitsTableColumn {
  readonly name: string;
  /** TUNIT, "" when absent. */
  readonly unit: string;
  readonly numbers?: Float64Array;
  readonly strings?: readonly string[];
}

export interface FitsTable {
  /** 0-based HDU number of the table read. */
  readonly hdu: number;
  /** EXTNAME, "" when absent. */
  readonly extension: string;
  readonly rows: number;
  readonly columns: readonly FitsTableColumn[];
  /** Vector, bit and complex columns, which are not read. */
  readonly skippedColumns: readonly string[];
}

/** What a flag pass changes before counting: clear FLAG, AOFlagger's flags, flag exact-zero DATA, flag autocorrelations. */
export interface FlagPassOptions {
  readonly reset: boolean;
  readonly zeros: boolean;
  readonly autos: boolean;
  /** Run AOFlagger's library with this Lua strategy file on every cross-correlation baseline and SPW, on `threads` threads (0: every core). */
  readonly aoflagger?: { readonly strategy: string; readonly threads: number };
}

/** Flag counts after a pass, in samples (one correlation of one channel of one row). */
export interface FlagCounts {
  readonly rows: number;
  readonly antennas: number;
  readonly correlations: number;
  readonly spectralWindows: number;
  readonly channelsPerWindow: number;
  readonly flaggedSamples: number;
  readonly totalSamples: number;
  /** Samples whose DATA is exactly 0 (counted only when `zeros`). */
  readonly zeroSamples: number;
  /** Samples of autocorrelation rows. */
  readonly autoSamples: number;
  /** [antennas]: the ANTENNA table's NAME column. */
  readonly antennaNames: readonly string[];
  /** [antennas]: samples of the rows with that antenna (an autocorrelation counts once). */
  readonly antennaFlagged: Float64Array;
  readonly antennaTotal: Float64Array;
  /** [spectralWindows × channelsPerWindow], SPW after SPW. */
  readonly channelFlagged: Float64Array;
  readonly channelTotal: Float64Array;
  /** Wall time of the pass's parts: reading the columns, AOFlagger, flagging zeros and autocorrelations, counting and writing. */
  readonly seconds: { readonly read: number; readonly aoflagger: number; readonly write: number };
}

/** One image plane to search (x fastest), with the restoring beam in its pixel frame. */
export interface SourceFindSpec {
  readonly data: Float32Array;
  readonly nx: number;
  readonly ny: number;
  /** The beam's σ along its major and minor axes, pixels, and the angle of its major axis from +x towards +y. */
  readonly beamSigmaMajorPx: number;
  readonly beamSigmaMinorPx: number;
  readonly beamThetaRad: number;
  /** Islands start at pixels this many local σ above the local background and grow through pixels above floodSigma. */
  readonly seedSigma: number;
  readonly floodSigma: number;
  /** Side of the background/rms mesh boxes and the spacing of their centres, pixels. */
  readonly boxPx: number;
  readonly stepPx: number;
  /** At most this many Gaussians per island. */
  readonly maxComponents: number;
  readonly threads: number;
}

/** A fitted Gaussian in the pixel frame (0-based pixels, x fastest); σ major ≥ σ minor, θ from +x towards +y in [0, π). */
export interface SourceFindComponent {
  readonly island: number;
  readonly amplitude: number;
  readonly x: number;
  readonly y: number;
  readonly sigmaMajorPx: number;
  readonly sigmaMinorPx: number;
  readonly thetaRad: number;
  /** The local background and rms at the component's position. */
  readonly background: number;
  readonly rms: number;
  /** χ² per degree of freedom of the island's fit (NaN when the fit failed). */
  readonly chi2PerDof: number;
  /** Gaussians in the island's fit. */
  readonly components: number;
  /** false: the fit failed; the values are the island's brightest pixel and the beam. */
  readonly fitted: boolean;
}

export interface SourceFindResult {
  readonly background: Float32Array;
  readonly rms: Float32Array;
  readonly islands: number;
  readonly components: readonly SourceFindComponent[];
}

/**
 * One tile's contribution to a region of a mosaic: at the region's pixel i (row-major, x fastest;
 * tile position `pixels[2i]`, `pixels[2i+1]`, FITS 1-based, NaN where it has no sky position) the
 * tile's image I and beam pb are interpolated, and where pb ≥ pbCutoff, pb·I is added to that
 * mosaic pixel's sum and pb² to its weight.
 */
export interface MosaicAccumulateSpec {
  /** The tile's image and beam planes, width × height, x fastest; blank pixels NaN. */
  readonly image: Float32Array;
  readonly pb: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly pixels: Float64Array;
  /** The whole mosaic's Σ pb·I and Σ pb² (mosaicWidth pixels per row), updated in place. */
  readonly sum: Float64Array;
  readonly weight: Float64Array;
  readonly mosaicWidth: number;
  /** 0-based pixels of the mosaic; width × height = pixels.length / 2. */
  readonly region: { readonly x0: number; readonly y0: number; readonly width: number; readonly height: number };
  readonly pbCutoff: number;
  readonly interpolation: 'bilinear' | 'bicubic';
  readonly threads: number;
}
