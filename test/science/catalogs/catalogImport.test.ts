import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogDb } from '../../../src/catalogs/catalogDb.js';
import { readCatalogFile, type CatalogFormat } from '../../../src/science/catalogs/catalogFormats.js';
import { importCatalog } from '../../../src/catalogs/importCatalog.js';
import { readDsa110Sources } from '../../../src/science/catalogs/dsa110Sources.js';
import { DEFAULT_VLA_CALIBRATORS } from '../../../src/science/catalogs/vlaCalibrators.js';
import { DEFAULT_DSA110_SOURCES } from '../../../src/science/catalogs/dsa110Sources.js';
import { fitsReadTable } from '../../../native/index.js';
import { runOracle } from '../../support/oracle.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'catalogs');
const ARCSEC = 1 / 3600;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-catalog-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The NVSS fixtures hold 12 real sources of the DSA-110 list, at their catalog (NVSS) flux in mJy. */
async function expectTheTwelveSources(path: string, format: CatalogFormat, positionToleranceArcsec: number) {
  const file = await readCatalogFile(path);
  expect(file.format).toBe(format);
  expect(file.parsed.skipped).toBe(0);
  const truth = await readDsa110Sources(DEFAULT_DSA110_SOURCES);
  expect(file.parsed.sources).toHaveLength(12);
  for (const source of file.parsed.sources) {
    const real = truth.reduce((best, s) => (Math.hypot(s.raDeg - source.raDeg, s.decDeg - source.decDeg) < Math.hypot(best.raDeg - source.raDeg, best.decDeg - source.decDeg) ? s : best));
    expect(Math.abs(real.raDeg - source.raDeg) * Math.cos((real.decDeg * Math.PI) / 180)).toBeLessThan(positionToleranceArcsec * ARCSEC);
    expect(Math.abs(real.decDeg - source.decDeg)).toBeLessThan(positionToleranceArcsec * ARCSEC);
    expect(source.fluxJy).toBeCloseTo(real.catalogFluxJy, 4); // 0.1 mJy in the file
    expect(source.fluxErrJy).toBeGreaterThan(0);
    expect(source.majorArcsec).toBeGreaterThan(0);
    expect(source.minorArcsec).toBeGreaterThan(0);
  }
  return file.parsed.sources;
}

describe('catalog formats', () => {
  it('reads NVSS as HEASARC tdat, plain and gzip-compressed', async () => {
    const plain = await expectTheTwelveSources(join(FIXTURES, 'nvss_sample.tdat'), 'heasarc-tdat', 0.05);
    expect(plain[0]).toMatchObject({ name: 'NVSS J225357+160853', majorArcsec: 18, minorArcsec: 12 });
    expect(plain[0]!.fluxJy).toBeCloseTo(12.6568, 12);
    expect(plain[0]!.fluxErrJy).toBeCloseTo(0.3797, 12);
    const gz = join(dir, 'heasarc_nvss.tdat.gz');
    await writeFile(gz, gzipSync(await readFile(join(FIXTURES, 'nvss_sample.tdat'))));
    expect((await readCatalogFile(gz)).parsed.sources).toEqual(plain);
  });

  it('reads NVSS as VizieR TSV and CSV (sexagesimal positions, units line)', async () => {
    const tsv = await expectTheTwelveSources(join(FIXTURES, 'nvss_sample.tsv'), 'vizier-tsv', 0.2);
    const csv = await expectTheTwelveSources(join(FIXTURES, 'nvss_sample.csv'), 'vizier-csv', 0.2);
    expect(csv).toEqual(tsv);
    expect(tsv[0]!.name).toBe('225357+160853');
  });

  it('reads NVSS as a VizieR FITS binary table written by astropy, plain and gzip-compressed, skipping vector columns', async () => {
    const fits = join(dir, 'nvss.fits');
    expect((await runOracle('cat_write_fits.py', [join(FIXTURES, 'nvss_sample.tsv'), fits])).trim()).toBe('12');
    const sources = await expectTheTwelveSources(fits, 'fits', 0.2);
    const table = await fitsReadTable(fits);
    expect(table).toMatchObject({ hdu: 1, extension: 'VIII_65_nvss', rows: 12, skippedColumns: ['Xpos_Ypos'] });
    expect(table.columns.find((c) => c.name === 'S1.4')).toMatchObject({ unit: 'mJy' });
    expect(table.columns.find((c) => c.name === 'RAJ2000')!.strings![0]).toBe('22 53 57.70');
    const tsv = (await readCatalogFile(join(FIXTURES, 'nvss_sample.tsv'))).parsed.sources;
    sources.forEach((s, i) => {
      expect(s.name).toBe(tsv[i]!.name);
      expect(s.raDeg).toBeCloseTo(tsv[i]!.raDeg, 9); // astropy's degrees from the same sexagesimal text
      expect(s.fluxJy).toBeCloseTo(tsv[i]!.fluxJy, 5); // float32 (mJy) in the file
    });
    const gz = join(dir, 'nvss.fits.gz');
    await writeFile(gz, gzipSync(await readFile(fits)));
    expect((await readCatalogFile(gz)).parsed.sources).toEqual(sources);
  });

  it('reads the VLA calibrator list with 20 cm fluxes, quality codes and spectral indices; calibrators without 20 cm are skipped', async () => {
    const { parsed, format } = await readCatalogFile(DEFAULT_VLA_CALIBRATORS);
    expect(format).toBe('vla-calibrators');
    expect(parsed.sources).toHaveLength(1041);
    expect(parsed.skipped).toBe(1865 - 1041);
    const c = parsed.sources.find((s) => s.name === '2253+161')!;
    expect(c).toMatchObject({ fluxJy: 10, extra: { altName: '3C454.3', positionCode: 'A', quality: { '20cm': 'XXSS', '90cm': 'XSSX' } } });
    expect(c.spectralIndex).toBeCloseTo(0, 12); // 10 Jy at 20 cm and at 6 cm
    expect(parsed.sources.find((s) => s.name === '1331+305')!.extra).toMatchObject({ altName: '3C286', quality: { '20cm': 'SSPP' } });
  });

  it('reads the DSA-110 source list at its catalog flux', async () => {
    const { parsed, format } = await readCatalogFile(DEFAULT_DSA110_SOURCES);
    expect(format).toBe('dsa110');
    expect(parsed.sources).toHaveLength(170);
    expect(parsed.sources[0]).toMatchObject({ name: 'J343.4904+16.1482', fluxJy: 12.6568, extra: { measuredFluxJy: 16.80004 } });
  });
});

describe('malformed catalog files', () => {
  const tdat = () => readFile(join(FIXTURES, 'nvss_sample.tdat'), 'utf8');
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('names the line and the field of a bad value', async () => {
    const text = await tdat();
    const lines = text.split('\n');
    const row = lines.indexOf("<DATA>") + 3; // 0-based index of the third data row; its line number is row + 1
    lines[row] = lines[row]!.replace(/\|16\.\d+\|/, '|north|');
    const path = await write('bad_dec.tdat', lines.join('\n'));
    await expect(readCatalogFile(path)).rejects.toThrow(`${path}:${row + 1}: dec "north" is not a declination`);
    lines[row] = 'NVSS J1|1.0|2.0|';
    await expect(readCatalogFile(await write('short.tdat', lines.join('\n')))).rejects.toThrow(/short\.tdat:\d+: 3 fields, the header names 11/);
  });

  it('refuses a flux without a unit, a truncated tdat, a file of unknown format and a missing position column', async () => {
    await expect(readCatalogFile(await write('plain.csv', 'ra,dec,S1.4\n10.0,20.0,5\n'))).rejects.toThrow(/column S1\.4 has no unit; a flux column needs Jy or mJy/);
    await expect(readCatalogFile(await write('cut.tdat', (await tdat()).replace('<END>\n', '')))).rejects.toThrow(/no <END> line after <DATA>/);
    await expect(readCatalogFile(await write('mystery.txt', 'hello\n'))).rejects.toThrow(/cannot tell the catalog format.*give --format/);
    await expect(readCatalogFile(await write('nopos.csv', 'name,flux_jy\nA,1\n'))).rejects.toThrow(/no ra column \(looked for ra, _raj2000/);
    await expect(readCatalogFile(await write('dec.tsv', '#x\nRAJ2000\tDEJ2000\tS1.4\n"h:m:s"\t"d:m:s"\tmJy\n---\t---\t---\n25 00 00.0\t+10 00 00\t3\n'))).rejects.toThrow(/dec\.tsv:5: RAJ2000 "25 00 00\.0" is not a right ascension/);
    await expect(readCatalogFile(await write('broken.fits', 'SIMPLE  = nonsense'))).rejects.toThrow(/cfitsio: .*broken\.fits/);
  });
});

describe('importCatalog', () => {
  it('stores a file once per content: the same bytes again change nothing, new bytes replace the catalog', async () => {
    const db = CatalogDb.open(join(dir, 'import'));
    try {
      const path = join(dir, 'nvss.tdat');
      await copyFile(join(FIXTURES, 'nvss_sample.tdat'), path);
      const first = await importCatalog(db, path);
      expect(first).toMatchObject({ catalog: 'nvss', format: 'heasarc-tdat', rows: 12, skipped: 0, unchanged: false });
      expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await importCatalog(db, path)).toMatchObject({ sha256: first.sha256, unchanged: true });

      const text = await readFile(path, 'utf8');
      await writeFile(path, text.replace(/^NVSS J225357.*\n/m, ''));
      expect(await importCatalog(db, path)).toMatchObject({ rows: 11, unchanged: false });
      expect(db.coneSearch(343.49, 16.15, 0.1)).toHaveLength(0); // the removed source is gone
      expect(db.catalogs()).toEqual(['nvss']);

      await importCatalog(db, join(FIXTURES, 'nvss_sample.tsv'), { catalog: 'nvss-vizier' });
      expect(db.catalogs()).toEqual(['nvss', 'nvss-vizier']);
      expect(db.coneSearch(343.49, 16.15, 0.1).map((m) => m.catalog)).toEqual(['nvss-vizier']);
    } finally {
      db.close();
    }
  });
});
