import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitsReadImage, wcsTransform } from '../../../native/index.js';
import { airyPowerBeam } from '../../../src/science/simulate/beam.js';
import { buildMosaic, MosaicError, type MosaicInput, type MosaicProducts, type MosaicResult } from '../../../src/science/mosaic/index.js';
import { runOracle } from '../../support/oracle.js';
import { FREQ_HZ, RA_STEP_DEG, writeTile } from './syntheticTiles.js';

const DEC = 54.6;
const RA0 = 150;
const PB_CUTOFF = 0.2;
const CELL_DEG = 0.025;
/** In the overlap of tiles 0 and 1 (and the edge of tile 2), and in tile 2 alone. */
const SOURCES = [
  { raDeg: RA0 + RA_STEP_DEG / 2, decDeg: DEC + 0.3, fluxJy: 2 },
  { raDeg: RA0 + 2 * RA_STEP_DEG + 0.9, decDeg: DEC - 0.4, fluxJy: 0.5 },
];

interface OracleOutput {
  products: Record<string, { shape: number[]; unit: string; ctype: string[]; radesys: string; dateObs: string; bmajDeg: number; ntiles: number; finite: number }>;
  sources: { pixel: number[]; weightAtPixel: number; fittedPixel: number[]; peakJy: number; offsetArcsec: number }[];
  reproject?: { compared: number; onlyReproject: number; onlyOurs: number; maxAbsDiffJy: number; maxAbsWeightDiff: number; peakJy: number };
}

let dir: string;
let tiles: MosaicInput[];

const productsIn = (name: string): MosaicProducts => ({
  mosaic: join(dir, name, 'mosaic.fits'),
  weight: join(dir, name, 'weight.fits'),
  thumbnail: join(dir, name, 'thumbnail.png'),
  qa: join(dir, name, 'qa.json'),
});

/** Great-circle separation (radians) → the beam of a tile centred at (ra0, dec0). */
function beamAt(ra0: number, dec0: number, ra: number, dec: number): number {
  const d = Math.PI / 180;
  const h = Math.sin(((dec - dec0) * d) / 2) ** 2 + Math.cos(dec0 * d) * Math.cos(dec * d) * Math.sin(((ra - ra0) * d) / 2) ** 2;
  return airyPowerBeam(Math.sin(2 * Math.asin(Math.sqrt(h))), FREQ_HZ);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-mosaic-'));
  tiles = [];
  for (let i = 0; i < 3; i++) {
    const tileDir = join(dir, `tile${i}`);
    await mkdir(tileDir);
    const dateObs = new Date(Date.UTC(2026, 0, 25, 3, 0, 0) + i * 309_240).toISOString().slice(0, 19);
    tiles.push(await writeTile({ dir: tileDir, raDeg: RA0 + i * RA_STEP_DEG, decDeg: DEC, size: 96, cellDeg: CELL_DEG, beamFwhmPx: 4, dateObs, sources: SOURCES }));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildMosaic', () => {
  let result: MosaicResult;
  let oracle: OracleOutput;

  beforeAll(async () => {
    result = await buildMosaic(tiles, productsIn('bicubic'), { mosaicId: 'test-bicubic', pbCutoff: PB_CUTOFF, interpolation: 'bicubic' });
    const args = [productsIn('bicubic').mosaic, productsIn('bicubic').weight, String(PB_CUTOFF), ...SOURCES.flatMap((s) => ['--source', `${s.raDeg},${s.decDeg}`])];
    oracle = JSON.parse(await runOracle('mosaic_fits.py', args)) as OracleOutput;
  }, 120_000);

  it('covers every tile on a SIN grid at the finest tile cell', () => {
    expect(result.cellArcsec).toBeCloseTo(CELL_DEG * 3600, 9);
    expect(result.tilePixels.every((n) => n > 0.5 * 96 * 96)).toBe(true);
    // three tiles 1.29° apart in RA at Dec 54.6° (0.75° on the sky), each 2.4° across
    expect(result.width * CELL_DEG).toBeGreaterThan(2.4 + 2 * RA_STEP_DEG * Math.cos((DEC * Math.PI) / 180) - 0.1);
    expect(result.height * CELL_DEG).toBeGreaterThan(2.4);
    expect(oracle.products['mosaic']!.ctype).toEqual(['RA---SIN', 'DEC--SIN']);
  });

  it('recovers each source at its true flux and position, in the overlap and in one tile', () => {
    for (const [i, source] of SOURCES.entries()) {
      const found = oracle.sources[i]!;
      expect(found.peakJy / source.fluxJy).toBeGreaterThan(0.985);
      expect(found.peakJy / source.fluxJy).toBeLessThan(1.015);
      expect(found.offsetArcsec).toBeLessThan(0.1 * CELL_DEG * 3600);
    }
  });

  it('writes Σ pb² over the tiles whose field holds the position and whose beam reaches the cutoff as the weight map', async () => {
    for (const [i, source] of SOURCES.entries()) {
      let expected = 0;
      for (const [t, tile] of tiles.entries()) {
        const { headerText } = await fitsReadImage(tile.imagePath);
        const [x, y] = await wcsTransform(headerText, Float64Array.of(source.raDeg, source.decDeg, FREQ_HZ, 1), 4, 'toPixel');
        const pb = beamAt(RA0 + t * RA_STEP_DEG, DEC, source.raDeg, source.decDeg);
        if (x! >= 1 && x! <= 96 && y! >= 1 && y! <= 96 && pb >= PB_CUTOFF) expected += pb * pb;
      }
      expect(oracle.sources[i]!.weightAtPixel).toBeCloseTo(expected, 3);
    }
    expect(oracle.sources[0]!.weightAtPixel).toBeGreaterThan(1.2 * Math.max(...[0, 1].map((t) => beamAt(RA0 + t * RA_STEP_DEG, DEC, SOURCES[0]!.raDeg, SOURCES[0]!.decDeg) ** 2)));
  });

  it('writes FITS files astropy reads without a warning, whose WCS agrees with ours', async () => {
    const mosaic = await fitsReadImage(productsIn('bicubic').mosaic);
    expect(oracle.products['mosaic']!.shape).toEqual([result.height, result.width]);
    expect(oracle.products['mosaic']!.unit).toBe('Jy / beam');
    expect(oracle.products['mosaic']!.radesys).toBe('FK5');
    expect(oracle.products['mosaic']!.dateObs).toBe('2026-01-25T03:00:00');
    expect(oracle.products['mosaic']!.ntiles).toBe(3);
    expect(oracle.products['weight']!.finite).toBe(result.width * result.height);
    for (const [i, source] of SOURCES.entries()) {
      const [x, y] = await wcsTransform(mosaic.headerText, Float64Array.of(source.raDeg, source.decDeg), 2, 'toPixel');
      // astropy's pixels are 0-based
      expect(oracle.sources[i]!.pixel[0]! + 1).toBeCloseTo(x!, 6);
      expect(oracle.sources[i]!.pixel[1]! + 1).toBeCloseTo(y!, 6);
    }
  });

  it('writes QA and a thumbnail', async () => {
    const qa = JSON.parse(await readFile(productsIn('bicubic').qa, 'utf8')) as Record<string, number>;
    expect(qa['peakJy']).toBeCloseTo(result.qa.peakJy, 6);
    // the brightest pixel: the source's peak falls between pixels
    expect(result.qa.peakJy).toBeGreaterThan(0.9 * 2);
    expect(result.qa.peakJy).toBeLessThan(1.01 * 2);
    expect(result.qa.coverage).toBeGreaterThan(0.5);
    expect(result.qa.coverage).toBeLessThanOrEqual(1);
    expect(result.qa.tiles).toBe(3);
    const png = await readFile(productsIn('bicubic').thumbnail);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});

describe('reprojection against astropy reproject', () => {
  it('builds the same bilinear mosaic and weight map as reproject_interp', async () => {
    await buildMosaic(tiles, productsIn('bilinear'), { mosaicId: 'test-bilinear', pbCutoff: PB_CUTOFF, interpolation: 'bilinear' });
    const args = [productsIn('bilinear').mosaic, productsIn('bilinear').weight, String(PB_CUTOFF), ...tiles.flatMap((t) => ['--tile', `${t.imagePath},${t.pbPath}`])];
    const { reproject } = JSON.parse(await runOracle('mosaic_fits.py', args)) as OracleOutput;
    expect(reproject!.compared).toBeGreaterThan(1000);
    // a pixel exactly at a tile's outer edge or at the cutoff may fall either way
    expect(reproject!.onlyOurs + reproject!.onlyReproject).toBeLessThan(0.001 * reproject!.compared);
    // float32 files against float64 sums: agreement to the files' precision
    expect(reproject!.maxAbsDiffJy).toBeLessThan(1e-6);
    expect(reproject!.maxAbsWeightDiff).toBeLessThan(1e-6);
  }, 120_000);
});

describe('bad input', () => {
  it('names a missing tile', async () => {
    const missing = { imagePath: join(dir, 'nope', 'image.fits'), pbPath: join(dir, 'nope', 'pb.fits') };
    await expect(buildMosaic([tiles[0]!, missing], productsIn('bad'), { mosaicId: 'bad', pbCutoff: PB_CUTOFF, interpolation: 'bicubic' })).rejects.toThrow(MosaicError);
    await expect(buildMosaic([missing], productsIn('bad'), { mosaicId: 'bad', pbCutoff: PB_CUTOFF, interpolation: 'bicubic' })).rejects.toThrow(/nope\/image\.fits/);
  });

  it('refuses a beam that does not match its image', async () => {
    const mixed = { imagePath: tiles[0]!.imagePath, pbPath: join(dir, 'small-pb.fits') };
    const { fitsWriteImage } = await import('../../../native/index.js');
    await fitsWriteImage(mixed.pbPath, { cards: [], shape: [8, 8], data: new Float32Array(64) });
    await expect(buildMosaic([mixed], productsIn('bad'), { mosaicId: 'bad', pbCutoff: PB_CUTOFF, interpolation: 'bicubic' })).rejects.toThrow(/small-pb\.fits.*do not match/);
  });
});
