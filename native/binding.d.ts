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

export interface NativeBinding {
  /** Rejects with an Error whose message is "casacore: " followed by casacore's own message. */
  tableInfo(path: string): Promise<TableInfo>;
  /** Rejects with an Error whose message starts "HDF5: " for a failed write. */
  simulateUvh5(spec: SimulateUvh5Spec): Promise<SimulateUvh5Timing>;
  /** The three MeasurementSet-writer calls reject with "casacore: …". */
  msCreate(spec: MsCreateSpec): Promise<MsCreated>;
  msWriteBlock(handle: MsHandle, block: MsBlock): Promise<void>;
  msClose(handle: MsHandle): Promise<MsSummary>;
}
