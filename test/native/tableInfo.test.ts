import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CasacoreError, tableInfo, type ColumnInfo, type TableInfo } from '../../native/index.js';
import { runOracle } from '../support/oracle.js';
import { ticksDuring } from '../support/eventLoop.js';

interface OracleColumn {
  valueType: string;
  isArray: boolean;
  ndim: number | null;
  shape: number[] | null;
  dataManagerType: string;
}

interface OracleSummary {
  nrows: number;
  tableType: string;
  columns: Record<string, OracleColumn>;
  subtables: Record<string, string>;
}

// python-casacore's valueType names for casacore's types.
const CASACORE_TYPE: Record<string, string> = {
  boolean: 'Bool', uchar: 'UChar', short: 'Short', ushort: 'UShort', int: 'Int', uint: 'UInt', int64: 'Int64',
  float: 'Float', double: 'Double', complex: 'Complex', dcomplex: 'DComplex', string: 'String',
};

const NROWS = 12;
const ADDON = fileURLToPath(new URL('../../native/build/Release/contimg_native.node', import.meta.url));

function expectedColumn(name: string, c: OracleColumn): ColumnInfo {
  return {
    name,
    dataType: CASACORE_TYPE[c.valueType] ?? `unmapped ${c.valueType}`,
    isArray: c.isArray,
    ...(c.ndim !== null && c.ndim > 0 && { ndim: c.ndim }),
    // python-casacore reverses casacore's axis order (C order, slowest first).
    ...(c.shape && { shape: [...c.shape].reverse() }),
    dataManagerType: c.dataManagerType,
  };
}

describe('tableInfo', () => {
  let dir: string | undefined;
  let ms = '';
  let oracle: OracleSummary;
  let info: TableInfo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contimg-tableinfo-'));
    ms = join(dir, 'test.ms');
    await runOracle('make_ms.py', [ms, String(NROWS)]);
    oracle = JSON.parse(await runOracle('table_summary.py', [ms])) as OracleSummary;
    info = await tableInfo(ms);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('agrees with python-casacore on rows, table type, column names and subtables', () => {
    expect(oracle.nrows).toBe(NROWS);
    expect(info.nrows).toBe(oracle.nrows);
    expect(info.tableType).toBe(oracle.tableType);
    expect(new Set(info.columns.map((c) => c.name))).toEqual(new Set(Object.keys(oracle.columns)));
    expect(info.subtables).toEqual(oracle.subtables);
  });

  it('describes every column as python-casacore does', () => {
    for (const column of info.columns) {
      const reference = oracle.columns[column.name];
      expect(reference, column.name).toBeDefined();
      if (reference) expect(column, column.name).toEqual(expectedColumn(column.name, reference));
    }
  });

  it('reports the MeasurementSet columns and subtables we rely on', () => {
    const column = (name: string) => info.columns.find((c) => c.name === name);
    expect(info.tableType).toBe('Measurement Set');
    expect(column('DATA')).toEqual({
      name: 'DATA', dataType: 'Complex', isArray: true, ndim: 2, shape: [2, 4], dataManagerType: 'TiledColumnStMan',
    });
    expect(column('UVW')).toMatchObject({ dataType: 'Double', isArray: true, ndim: 1, shape: [3] });
    expect(column('TIME')).toMatchObject({ dataType: 'Double', isArray: false });
    expect(column('ANTENNA1')).toMatchObject({ dataType: 'Int', isArray: false });
    for (const name of ['ANTENNA', 'SPECTRAL_WINDOW', 'FIELD', 'POLARIZATION', 'DATA_DESCRIPTION']) {
      expect(info.subtables[name]).toBe(join(ms, name));
    }
  });

  it('rejects a missing table with a CasacoreError that names the path and the caller', async () => {
    const missing = join(dir ?? tmpdir(), 'absent.ms');
    const error: unknown = await tableInfo(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CasacoreError);
    const { code, message, stack } = error as CasacoreError;
    expect(code).toBe('ECASACORE');
    expect(message).toMatch(/^casacore: /);
    expect(message).toContain(missing);
    expect(stack).toContain('tableInfo.test.ts');
  });

  it('throws a TypeError synchronously for a bad path argument', () => {
    expect(() => tableInfo(42 as unknown as string)).toThrow(new TypeError('path must be a non-empty string, got number'));
    expect(() => tableInfo('')).toThrow(TypeError);
  });

  it('keeps the event loop turning while tables are read', async () => {
    const { result: infos, ticks } = await ticksDuring(() => Promise.all(Array.from({ length: 8 }, () => tableInfo(ms))));
    expect(infos.map((i) => i.nrows)).toEqual(Array(8).fill(NROWS));
    expect(ticks).toBeGreaterThan(0);
  });

  it('loads and works in a worker thread too (context-aware addon)', async () => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       require(workerData.addon).tableInfo(workerData.ms).then((info) => parentPort.postMessage(info.nrows));`,
      { eval: true, workerData: { addon: ADDON, ms } },
    );
    try {
      const [nrows] = (await once(worker, 'message')) as [number];
      expect(nrows).toBe(NROWS);
    } finally {
      await worker.terminate();
    }
  });
});
