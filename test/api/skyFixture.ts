import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FitsCard } from '../../native/index.js';
import { CatalogDb } from '../../src/catalogs/catalogDb.js';
import type { CatalogSource } from '../../src/science/catalogs/catalogSource.js';
import { runOracle } from '../support/oracle.js';
import { sinGridCards, writeSinImage, type SinGrid } from '../support/skyImage.js';

/** A small WSClean-like sky image: SIN projection at Dec +37°, 20″ cells, frequency and Stokes axes. */
export const SKY = { width: 160, height: 120, raDeg: 201.365, decDeg: 37.2, cellDeg: 20 / 3600, frequencyHz: 1.405e9 };
/** Point-like sources at FITS pixel positions, Jy/beam. */
export const SKY_SOURCES = [
  { x: 40, y: 30, peak: 0.8 },
  { x: 120, y: 90, peak: 2.5 },
];

/** Writes the image (with `overrides` replacing header cards of the same name); returns its pixels. */
export async function writeSkyImage(path: string, overrides: readonly FitsCard[] = []): Promise<Float32Array> {
  const { width, height } = SKY;
  const data = new Float32Array(width * height);
  for (let j = 1; j <= height; j++) {
    for (let i = 1; i <= width; i++) {
      const hash = Math.sin(i * 12.9898 + j * 78.233) * 43758.5453;
      const noise = 2e-3 * (hash - Math.floor(hash) - 0.5);
      data[(j - 1) * width + (i - 1)] = SKY_SOURCES.reduce((sum, s) => sum + s.peak * Math.exp(-((i - s.x) ** 2 + (j - s.y) ** 2) / 4), noise);
    }
  }
  data[0] = NaN;
  const grid: SinGrid = { nx: width, ny: height, crpix: [width / 2 + 1, height / 2 + 1], raDeg: SKY.raDeg, decDeg: SKY.decDeg, cellArcsec: SKY.cellDeg * 3600, frequencyHz: SKY.frequencyHz, bandwidthHz: 1.875e8, bunit: 'JY/BEAM' };
  await writeSinImage(path, grid, data, sinGridCards(grid).map((c) => overrides.find((o) => o.name === c.name) ?? c));
  return data;
}

/** Catalog sources: one on each image source, one in the corner, one well outside the field. */
export function writeSkyCatalog(catalogsDir: string, onSources: readonly (readonly [number, number])[]): CatalogSource[] {
  const sources: CatalogSource[] = [
    ...onSources.map(([raDeg, decDeg], i) => ({ name: `NVSS J${i}`, raDeg, decDeg, fluxJy: SKY_SOURCES[i]!.peak })),
    { name: 'NVSS corner', raDeg: SKY.raDeg + 0.3, decDeg: SKY.decDeg - 0.25, fluxJy: 0.05 },
    { name: 'NVSS far', raDeg: SKY.raDeg + 5, decDeg: SKY.decDeg, fluxJy: 9 },
  ];
  const db = CatalogDb.open(catalogsDir);
  try {
    db.replaceCatalog({ catalog: 'nvss', format: 'csv', sourceFile: 'test', sha256: 'test', rows: sources.length, skipped: 0 }, sources, new Date().toISOString());
  } finally {
    db.close();
  }
  return sources;
}

/** astropy's pixel → sky and sky → pixel for a FITS file (test/oracles/img_wcs.py). */
export async function astropyWcs(fits: string, request: { pixels?: number[][]; sky?: number[][] }): Promise<{ sky: [number, number][]; pixels: [number, number][] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'contimg-wcs-')), 'request.json');
  writeFileSync(file, JSON.stringify(request));
  return JSON.parse(await runOracle('img_wcs.py', [fits, file])) as { sky: [number, number][]; pixels: [number, number][] };
}
