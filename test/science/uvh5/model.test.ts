/** checkHeader on headers edited in memory: each inconsistency is named; a general Nblts is accepted. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHeader, readHeader, Uvh5Error, type Uvh5Header } from '../../../src/science/uvh5/index.js';
import { makeSynthetic } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'contimg-uvh5-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let header: Uvh5Header;
beforeAll(async () => {
  const { small } = await makeSynthetic(dir, { small: {} });
  header = await readHeader(small);
}, 60_000);

/** The header's per-row arrays restricted to `rows`, with Nblts to match. */
function withRows(h: Uvh5Header, rows: readonly number[]): Uvh5Header {
  const pick = <T extends Float64Array | Int32Array>(a: T, width = 1): T => {
    const out = new (a.constructor as new (n: number) => T)(rows.length * width);
    rows.forEach((row, i) => out.set(a.subarray(row * width, (row + 1) * width), i * width));
    return out;
  };
  return {
    ...h,
    Nblts: rows.length,
    time_array: pick(h.time_array),
    integration_time: pick(h.integration_time),
    uvw_array: pick(h.uvw_array, 3),
    ant_1_array: pick(h.ant_1_array),
    ant_2_array: pick(h.ant_2_array),
  };
}

const allRows = () => Array.from({ length: header.Nblts }, (_, i) => i);

describe('checkHeader', () => {
  it('accepts a header as read, and a general Nblts (rows missing for some baseline-times)', () => {
    expect(() => checkHeader(header, 'f.uvh5')).not.toThrow();
    expect(header.Nblts).toBe(header.Nbls * header.Ntimes);
    const fewer = withRows(header, allRows().filter((row) => row % 7 !== 3));
    expect(fewer.Nblts).toBeLessThan(header.Nbls * header.Ntimes);
    expect(() => checkHeader(fewer, 'f.uvh5')).not.toThrow();
  });

  const cases: [string, () => Uvh5Header, string, string][] = [
    ['a required field absent', () => ({ ...header, telescope_name: undefined }) as unknown as Uvh5Header, 'missing-field', 'Header/telescope_name'],
    ['a zero dimension', () => ({ ...header, Npols: 0 }), 'inconsistent', 'Header/Npols'],
    ['antenna_names shorter than Nants_telescope', () => ({ ...header, antenna_names: header.antenna_names.slice(1) }), 'wrong-shape', 'Header/antenna_names'],
    ['uvw_array not [Nblts, 3]', () => ({ ...header, uvw_array: header.uvw_array.subarray(3) }), 'wrong-shape', 'Header/uvw_array'],
    ['more rows than Nbls·Ntimes', () => withRows(header, [...allRows(), 0]), 'inconsistent', 'Header/Nblts'],
    ['an antenna not in antenna_numbers', () => ({ ...header, ant_2_array: header.ant_2_array.map((a, row) => (row === 5 ? 99 : a)) }), 'inconsistent', 'Header/ant_2_array'],
    ['Nbls not the number of baselines', () => ({ ...header, Nbls: header.Nbls + 1 }), 'inconsistent', 'Header/Nbls'],
    ['Ntimes not the number of times', () => ({ ...header, Ntimes: header.Ntimes + 1 }), 'inconsistent', 'Header/Ntimes'],
    ['Nants_data not the number of antennas', () => ({ ...header, Nants_data: header.Nants_data - 1 }), 'inconsistent', 'Header/Nants_data'],
    ['two spectral windows without flex_spw_id_array', () => ({ ...header, Nspws: 2, spw_array: Int32Array.of(0, 1) }), 'missing-field', 'Header/flex_spw_id_array'],
  ];
  it.each(cases)('rejects %s', (_, edit, code, field) => {
    const error = (() => {
      try {
        checkHeader(edit(), 'f.uvh5');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(Uvh5Error);
    expect(error).toMatchObject({ code, field, file: 'f.uvh5' });
    expect((error as Error).message).toContain(`f.uvh5: ${field}`);
  });
});
