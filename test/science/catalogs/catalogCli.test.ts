import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../../src/config/paths.js';
import { SqliteEventLog } from '../../../src/eventlog/sqliteEventLog.js';
import type { ConeMatch } from '../../../src/catalogs/catalogDb.js';
import { DEFAULT_VLA_CALIBRATORS } from '../../../src/science/catalogs/vlaCalibrators.js';
import { contimg } from '../../support/cli.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'catalogs');
let dir: string;
let data: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-catalog-cli-'));
  data = join(dir, 'data');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function catalogEvents(stream: string) {
  const log = new SqliteEventLog(dataPaths(data).eventLog);
  try {
    return await log.readStream(stream);
  } finally {
    await log.close();
  }
}

describe('contimg catalog', () => {
  it('imports a file once, recording CatalogImported with its sha256; the same file again changes nothing', async () => {
    const file = join(FIXTURES, 'nvss_sample.tdat');
    const first = await contimg(['--data', data, 'catalog', 'import', file]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('12 sources into catalog nvss (heasarc-tdat)');
    const again = await contimg(['--data', data, 'catalog', 'import', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already imported into nvss');

    const events = await catalogEvents('catalog:nvss');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CatalogImported',
      payload: { catalog: 'nvss', format: 'heasarc-tdat', sourceFile: file, sha256: createHash('sha256').update(await readFile(file)).digest('hex'), rows: 12, skipped: 0 },
    });
  });

  it('searches a cone, with a flux limit, as JSON', async () => {
    const imported = await contimg(['--data', data, 'catalog', 'import', DEFAULT_VLA_CALIBRATORS]);
    expect(imported.code, imported.stderr).toBe(0);
    const result = await contimg(['--data', data, 'catalog', 'search', '22:53:57.748', '+16:08:53.56', '1.5', '--min-flux', '1', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const matches = JSON.parse(result.stdout) as ConeMatch[];
    expect(matches.map((m) => `${m.catalog}:${m.name}`)).toEqual(['vla-calibrators:2253+161', 'nvss:NVSS J225357+160853', 'nvss:NVSS J225707+165824']);
    expect(matches[0]!.separationDeg).toBeLessThan(1e-4);
  });

  it('fails on a malformed file naming the file and line, and writes nothing', async () => {
    const bad = join(dir, 'bad.tdat');
    await writeFile(bad, (await readFile(join(FIXTURES, 'nvss_sample.tdat'), 'utf8')).replace('|12656.8|', '|lots|'));
    const result = await contimg(['--data', data, 'catalog', 'import', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`bad\\.tdat:\\d+: flux_20_cm "lots" is not a number`));
    expect(await catalogEvents('catalog:nvss')).toHaveLength(1);
  });

  it('tells a calibrator group, from the VLA list file or the imported catalog', async () => {
    const raw = join(dir, 'raw');
    const sim = await contimg(['simulate', '--out', raw, '--antennas', '6', '--channels', '4', '--integrations', '4', '--subbands', '1', '--catalogs', 'none', '--calibrator', '3C454.3']);
    expect(sim.code, sim.stderr).toBe(0);
    const files = (await readdir(raw)).filter((f) => f.endsWith('.hdf5')).map((f) => join(raw, f));
    const empty = join(dir, 'empty-data');
    const fromList = await contimg(['--data', empty, 'catalog', 'calibrator', ...files]);
    expect(fromList.code, fromList.stderr).toBe(0);
    expect(fromList.stdout).toMatch(/^calibrator group: 2253\+161 \(3C454\.3\): 10 Jy at 20 cm \(quality XXSS\)/);
    expect(fromList.stdout).toContain('(candidates from vlacalibrators.txt)');
    const fromCatalog = await contimg(['--data', data, 'catalog', 'calibrator', ...files]);
    expect(fromCatalog.code, fromCatalog.stderr).toBe(0);
    expect(fromCatalog.stdout.replace(/ \(candidates from .*\)\n$/, '')).toBe(fromList.stdout.replace(/ \(candidates from .*\)\n$/, ''));
    expect(fromCatalog.stdout).toContain('(candidates from catalog vla-calibrators)');

    const recorded = await contimg(['--data', data, 'catalog', 'calibrator', '--record', ...files]);
    expect(recorded.code, recorded.stderr).toBe(0);
    const groupId = files.map((f) => f.slice(f.lastIndexOf('/') + 1, f.lastIndexOf('_sb'))).sort()[0]!;
    const events = await catalogEvents(groupId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'CalibratorSelected', payload: { groupId, calibrator: '2253+161', fluxJy: 10 } });
    expect(events[0]!.payload).toHaveProperty('reason', expect.stringMatching(/^2253\+161 \(3C454\.3\)/) as unknown);
  }, 60_000);
});
