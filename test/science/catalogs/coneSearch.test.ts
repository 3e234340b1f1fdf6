import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogDb, coneSearch } from '../../../src/catalogs/catalogDb.js';
import type { CatalogSource } from '../../../src/science/catalogs/catalogSource.js';
import { angularSeparationDeg, raRangesOfCone } from '../../../src/science/catalogs/skyGeometry.js';
import { runOracle } from '../../support/oracle.js';
import { random } from '../../support/random.js';

let dir: string;
let db: CatalogDb;
const sources: CatalogSource[] = [];

// Cones at the awkward places: across RA 0, over each pole, at the equator, a wide one and a tiny one.
const CONES: [number, number, number][] = [
  [0.5, 10, 2],
  [359.7, -5, 1.5],
  [120, 89.2, 1.5],
  [300, -89.9, 0.5],
  [45, 0, 10],
  [200, 40, 0.05],
  [180, 60, 3],
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-cone-'));
  const next = random(7);
  // Uniform on the sphere, plus clusters around every cone so each has plenty inside and near its edge.
  for (let i = 0; i < 20000; i++) sources.push(source(360 * next(), (Math.asin(2 * next() - 1) * 180) / Math.PI, next));
  for (const [ra, dec, radius] of CONES) {
    for (let i = 0; i < 400; i++) {
      const d = Math.max(-90, Math.min(90, dec + (2 * next() - 1) * radius * 1.3));
      sources.push(source((ra + ((2 * next() - 1) * radius * 1.3) / Math.max(Math.cos((d * Math.PI) / 180), 0.01) + 720) % 360, d, next));
    }
  }
  db = CatalogDb.open(dir);
  db.replaceCatalog({ catalog: 'synthetic', format: 'test', sourceFile: 'generated', sha256: '0'.repeat(64), rows: sources.length, skipped: 0 }, sources, '2026-11-24T00:00:00Z');
});

function source(raDeg: number, decDeg: number, next: () => number): CatalogSource {
  return { name: `S${sources.length}`, raDeg, decDeg, fluxJy: 10 ** (-3 + 4 * next()) };
}

afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('coneSearch', () => {
  it('finds exactly the sources astropy puts within each cone (RA wrap, poles, wide and tiny cones)', async () => {
    const request = join(dir, 'request.json');
    await writeFile(request, JSON.stringify({ points: sources.map((s) => [s.raDeg, s.decDeg]), cones: CONES }));
    const expected = JSON.parse(await runOracle('cat_cone.py', [request])) as { indices: number[]; separations: number[] }[];
    CONES.forEach(([ra, dec, radius], c) => {
      const found = coneSearch(db, ra, dec, radius);
      expect(found.length, `cone ${c}`).toBeGreaterThan(20);
      expect(found.map((m) => Number(m.name.slice(1))).sort((a, b) => a - b), `cone ${c}`).toEqual(expected[c]!.indices);
      const separationOf = new Map(expected[c]!.indices.map((index, k) => [index, expected[c]!.separations[k]!]));
      for (const m of found) expect(m.separationDeg).toBeCloseTo(separationOf.get(Number(m.name.slice(1)))!, 9);
      expect(found.map((m) => m.separationDeg)).toEqual([...found.map((m) => m.separationDeg)].sort((a, b) => a - b));
    });
  });

  it('keeps only sources at least minFluxJy bright, and only the catalogs asked for', () => {
    const all = coneSearch(db, 45, 0, 10);
    const bright = coneSearch(db, 45, 0, 10, { minFluxJy: 1 });
    expect(bright.length).toBeGreaterThan(0);
    expect(bright).toEqual(all.filter((m) => m.fluxJy >= 1));
    expect(coneSearch(db, 45, 0, 10, { catalogs: ['other'] })).toEqual([]);
  });

  it('refuses a cone outside the sphere', () => {
    expect(() => coneSearch(db, 10, 91, 1)).toThrow(/\|Dec\| ≤ 90/);
    expect(() => coneSearch(db, 10, 0, -1)).toThrow(/radius in \[0, 180\]/);
    expect(() => coneSearch(db, Number.NaN, 0, 1)).toThrow(RangeError);
  });
});

describe('sky geometry', () => {
  it('splits the RA range of a cone across RA 0 and opens it fully over a pole', () => {
    const close = (actual: [number, number][], expected: [number, number][]) => {
      expect(actual).toHaveLength(expected.length);
      actual.flat().forEach((x, i) => expect(x).toBeCloseTo(expected.flat()[i]!, 9));
    };
    close(raRangesOfCone(0.5, 0, 1), [[0, 1.5], [359.5, 360]]);
    close(raRangesOfCone(359.8, 0, 1), [[358.8, 360], [0, 0.8]]);
    expect(raRangesOfCone(10, 89.5, 1)).toEqual([[0, 360]]);
    // The half-width is asin(sin r / cos δ): wider than r / cos δ near the pole.
    const [[low, high]] = raRangesOfCone(100, 80, 5) as [[number, number]];
    expect((high - low) / 2).toBeCloseTo((Math.asin(Math.sin((5 * Math.PI) / 180) / Math.cos((80 * Math.PI) / 180)) * 180) / Math.PI, 12);
  });

  it('measures great circles accurately at tiny and large separations', () => {
    expect(angularSeparationDeg(10, 0, 10, 1e-9) / 1e-9).toBeCloseTo(1, 12);
    expect(angularSeparationDeg(0, 0, 180, 0)).toBeCloseTo(180, 12);
    expect(angularSeparationDeg(359.9, 0, 0.1, 0)).toBeCloseTo(0.2, 12);
  });
});
