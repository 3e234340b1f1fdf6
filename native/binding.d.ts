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

export interface NativeBinding {
  /** Rejects with an Error whose message is "casacore: " followed by casacore's own message. */
  tableInfo(path: string): Promise<TableInfo>;
  /** Rejects with an Error whose message starts "HDF5: " for a failed write. */
  simulateUvh5(spec: SimulateUvh5Spec): Promise<SimulateUvh5Timing>;
}
