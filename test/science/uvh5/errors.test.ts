/** Malformed UVH5 files: each gets a Uvh5Error naming the file and the field; files are always closed. */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUvh5, readBlocks, readHeader, Uvh5Error, type Uvh5ErrorCode } from '../../../src/science/uvh5/index.js';
import { makeSynthetic } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'contimg-uvh5-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files: Record<'good' | 'noFreqArray' | 'visdataChannels' | 'nbltsMismatch', string>;
const path = (name: string) => join(dir, name);

beforeAll(async () => {
  files = await makeSynthetic(dir, {
    good: {},
    noFreqArray: { defect: 'missing-freq_array' },
    visdataChannels: { defect: 'visdata-nfreqs' },
    nbltsMismatch: { defect: 'nblts-mismatch' },
  });
  const good = readFileSync(files.good);
  writeFileSync(path('truncated.uvh5'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(path('empty.uvh5'), '');
  writeFileSync(path('text.uvh5'), 'Nblts = 111744\nthis is not HDF5\n');
  // The root group's object header follows the 96-byte superblock: HDF5 cannot open the file (and prints why on stderr).
  good.fill(0xa5, 96, 352);
  writeFileSync(path('corrupt.uvh5'), good);
}, 60_000);

interface Malformed {
  readonly name: string;
  readonly file: () => string;
  readonly code: Uvh5ErrorCode;
  readonly field: string | null;
  /** Words the message must contain besides the file and the field. */
  readonly mentions: readonly string[];
}

const HEADER_DEFECTS: Malformed[] = [
  { name: 'a truncated file', file: () => path('truncated.uvh5'), code: 'truncated', field: null, mentions: ['bytes'] },
  { name: 'a zero-length file', file: () => path('empty.uvh5'), code: 'empty-file', field: null, mentions: ['empty'] },
  { name: 'a text file', file: () => path('text.uvh5'), code: 'not-hdf5', field: null, mentions: ['not an HDF5 file'] },
  { name: 'a corrupt root group', file: () => path('corrupt.uvh5'), code: 'corrupt', field: null, mentions: ['HDF5'] },
  { name: 'a missing file', file: () => path('absent.uvh5'), code: 'unreadable', field: null, mentions: ['ENOENT'] },
  { name: 'a directory', file: () => dir, code: 'unreadable', field: null, mentions: [] },
  { name: 'no Header/freq_array', file: () => files.noFreqArray, code: 'missing-field', field: 'Header/freq_array', mentions: ['absent'] },
  { name: 'Nblts disagreeing with the per-row arrays', file: () => files.nbltsMismatch, code: 'wrong-shape', field: 'Header/time_array', mentions: ['Nblts'] },
];

function expectUvh5Error(error: unknown, { file, code, field, mentions }: Omit<Malformed, 'name' | 'file'> & { file: string }): void {
  expect(error).toBeInstanceOf(Uvh5Error);
  const e = error as Uvh5Error;
  expect({ code: e.code, file: e.file, field: e.field }).toEqual({ code, file, field });
  for (const word of [file, ...(field === null ? [] : [field]), ...mentions]) expect(e.message).toContain(word);
}

describe.each(HEADER_DEFECTS)('$name', (defect) => {
  it('fails readHeader with a Uvh5Error naming the file and the field', async () => {
    const error: unknown = await readHeader(defect.file()).catch((e: unknown) => e);
    expectUvh5Error(error, { ...defect, file: defect.file() });
  });

  it('fails readBlocks the same way', async () => {
    const error: unknown = await readBlocks(defect.file())
      .next()
      .catch((e: unknown) => e);
    expectUvh5Error(error, { ...defect, file: defect.file() });
  });
});

describe('visdata with a channel count other than Nfreqs', () => {
  it('reads the header (Data/ is not touched) but refuses the data', async () => {
    await expect(readHeader(files.visdataChannels)).resolves.toMatchObject({ Nfreqs: 6 });
    const error: unknown = await openUvh5(files.visdataChannels).catch((e: unknown) => e);
    expectUvh5Error(error, { file: files.visdataChannels, code: 'wrong-shape', field: 'Data/visdata', mentions: ['Nfreqs'] });
  });
});

describe('rows outside the file', () => {
  it.each([
    [-1, 1],
    [0, 0],
    [131, 5],
    [1.5, 2],
  ])('readRows(%d, %d) is out-of-range', async (first, count) => {
    const file = await openUvh5(files.good);
    try {
      expect(file.header.Nblts).toBe(135);
      expect(() => file.readRows(first, count)).toThrowError(expect.objectContaining({ code: 'out-of-range', field: 'Data', file: files.good }));
    } finally {
      file.close();
    }
  });
});

describe('file handles', () => {
  const openDescriptors = () => readdirSync('/proc/self/fd').length;

  it('are closed after failures, early loop exits and normal reads', async () => {
    copyFileSync(files.good, path('copy.uvh5'));
    await readHeader(files.good); // initialise h5wasm before counting
    const before = openDescriptors();
    for (let i = 0; i < 3; i++) {
      for (const defect of HEADER_DEFECTS) await readHeader(defect.file()).catch(() => undefined);
      await openUvh5(files.visdataChannels).catch(() => undefined);
      for await (const block of readBlocks(path('copy.uvh5'), { rowsPerBlock: 10 })) if (block.firstRow >= 20) break;
      await readHeader(files.good);
    }
    expect(openDescriptors()).toBe(before);
  });
});
