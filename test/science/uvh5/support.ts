/** Test helpers for the UVH5 reader: the real files, synthetic files from h5py, pyuvdata's reading of them. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runOracle } from '../../support/oracle.js';
import type { VisibilityBlock } from '../../../src/science/uvh5/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The two real UVH5 files, from shared/ beside the repository. */
export const REAL_FILES = {
  hera: resolve(REPO, '../shared/data/uvh5/hera_zen.2458661.23480.HH.uvh5'),
  mwa: resolve(REPO, '../shared/data/uvh5/mwa_1061315448_mini_vv_07_01.uvh5'),
};

/** Options of test/oracles/uvh5_make.py (see its docstring). */
export type SyntheticSpec = Readonly<Record<string, unknown>>;

/** A small DSA-110-like layout: 10 stations (one inactive), 3 integrations, 6 channels. */
export const SMALL: SyntheticSpec = { nants_telescope: 10, inactive: [4], ntimes: 3, nfreqs: 6 };

/** Writes one synthetic UVH5 file per spec into `dir` (one h5py process); returns their paths by name. */
export async function makeSynthetic<K extends string>(dir: string, specs: Record<K, SyntheticSpec>): Promise<Record<K, string>> {
  const entries = Object.entries(specs) as [K, SyntheticSpec][];
  const paths = entries.map(([name]) => [name, join(dir, `${name}.uvh5`)] as const);
  await runOracle('uvh5_make.py', entries.flatMap(([name, spec]) => [join(dir, `${name}.uvh5`), JSON.stringify({ ...SMALL, ...spec })]));
  return Object.fromEntries(paths) as Record<K, string>;
}

interface ArrayEntry {
  readonly dtype: string;
  readonly shape: number[];
  readonly file: string;
}

/** pyuvdata's reading of one file, as dumped by test/oracles/uvh5_pyuvdata_dump.py. */
export interface PyuvdataReading {
  readonly uvw_promoted: boolean;
  readonly dims: Readonly<Record<string, number>>;
  readonly Nants_telescope: number;
  readonly telescope_name: string;
  readonly instrument: string;
  readonly latitude_deg: number;
  readonly longitude_deg: number;
  readonly altitude_m: number;
  readonly antenna_names: string[];
  readonly extra_keywords: Record<string, unknown>;
  readonly phase_center_catalog: Record<string, Record<string, unknown>>;
  readonly arrays: Record<string, ArrayEntry>;
  /** An array's values as float64, or undefined when pyuvdata has none (e.g. antenna_diameters). */
  array(name: string): Float64Array | undefined;
}

const TYPED: Record<string, (b: ArrayBuffer) => ArrayLike<number> | BigInt64Array> = {
  '<f8': (b) => new Float64Array(b),
  '<f4': (b) => new Float32Array(b),
  '<i8': (b) => new BigInt64Array(b),
  '<i4': (b) => new Int32Array(b),
  '<i2': (b) => new Int16Array(b),
  '|u1': (b) => new Uint8Array(b),
};

/** pyuvdata's reading of each file (one pyuvdata process). */
export async function readWithPyuvdata(dir: string, files: readonly string[]): Promise<PyuvdataReading[]> {
  await runOracle('uvh5_pyuvdata_dump.py', [dir, ...files]);
  return files.map((_, i) => {
    const base = join(dir, String(i));
    const meta = JSON.parse(readFileSync(join(base, 'meta.json'), 'utf8')) as Omit<PyuvdataReading, 'array'>;
    const array = (name: string): Float64Array | undefined => {
      const entry = meta.arrays[name];
      if (entry === undefined) return undefined;
      const bytes = readFileSync(join(base, entry.file));
      const view = TYPED[entry.dtype]!(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return view instanceof BigInt64Array ? Float64Array.from(view, Number) : Float64Array.from(view);
    };
    return { ...meta, array };
  });
}

/** Asserts equal length and |ours − reference| ≤ tolerance everywhere, naming the first differing index. */
export function expectValues(field: string, ours: ArrayLike<number>, reference: ArrayLike<number> | undefined, tolerance = 0): void {
  expect(reference, `${field}: pyuvdata has no value`).toBeDefined();
  expect(ours.length, `${field}: length`).toBe(reference!.length);
  for (let i = 0; i < ours.length; i++) {
    const [a, b] = [ours[i]!, reference![i]!];
    if (!(Math.abs(a - b) <= tolerance) && !(Number.isNaN(a) && Number.isNaN(b))) {
      expect.fail(`${field}[${i}]: ours ${a}, pyuvdata ${b} (tolerance ${tolerance})`);
    }
  }
}

/** The blocks joined into whole-file arrays. */
export function concatBlocks(blocks: readonly VisibilityBlock[]): { visibilities: Float64Array; flags: Uint8Array; nsamples: Float32Array } {
  const join = <T extends Float64Array | Uint8Array | Float32Array>(make: (n: number) => T, parts: readonly ArrayLike<number>[]): T => {
    const out = make(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  return {
    visibilities: join((n) => new Float64Array(n), blocks.map((b) => b.visibilities)),
    flags: join((n) => new Uint8Array(n), blocks.map((b) => b.flags)),
    nsamples: join((n) => new Float32Array(n), blocks.map((b) => b.nsamples)),
  };
}
