/**
 * The crossmatch stage on simulated images of the real DSA-110 source list (imported into a
 * catalog database through `importCatalog`): a correct image raises no issue, one whose sky is
 * shifted 3″ north reports the offset, and without a catalog database the stage says so. The
 * sources projection then holds the detections and the results.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogDb } from '../../src/catalogs/catalogDb.js';
import { importCatalog } from '../../src/catalogs/importCatalog.js';
import { dataPaths } from '../../src/config/paths.js';
import type { DomainEvent, StoredEvent } from '../../src/eventlog/event.js';
import { payloadErrors } from '../../src/eventlog/schema.js';
import { sources as sourcesProjection } from '../../src/projections/sources.js';
import { DEFAULT_DSA110_SOURCES, readDsa110Sources } from '../../src/science/catalogs/dsa110Sources.js';
import { crossmatchStage } from '../../src/stages/crossmatch.js';
import { DSA110_BEAM, writeSimulatedImage } from '../science/sources/simulatedImage.js';
import { stageContext } from '../support/stageContext.js';

const GROUP_ID = '2026-01-25T22:37:04';
/** A 3.4° field around the real image's centre: 30 DSA-110 sources of 51–304 mJy. */
const GRID = { size: 1024, cellArcsec: 12, centreRaDeg: 346.07, centreDecDeg: 16.15, beam: DSA110_BEAM, rmsJy: 0.002, seed: 5 };

let dir: string;
let withCatalog: string;
let withoutCatalog: string;

function stored(type: string, payload: object, seq: number): StoredEvent {
  return { type, payload, seq, id: `e${seq}`, stream: GROUP_ID, streamVersion: seq, version: 1, time: '2026-01-25T22:45:00Z', causationId: null, correlationId: null } as StoredEvent;
}

const imageWritten = (pbcor: string) =>
  stored('ImageWritten', { groupId: GROUP_ID, imageId: `${GROUP_ID}.full`, mode: 'full', products: { image: pbcor, pbcor }, sizePx: GRID.size, cellArcsec: GRID.cellArcsec, beam: DSA110_BEAM }, 1);

async function runStage(data: string, pbcor: string): Promise<readonly DomainEvent[]> {
  const events = await crossmatchStage.run(stageContext({ groupId: GROUP_ID, history: [imageWritten(pbcor)], paths: dataPaths(data) }));
  for (const event of events) expect(payloadErrors(event.type, event.payload)).toEqual([]);
  return events;
}

function completed(events: readonly DomainEvent[]) {
  const found = events.filter((e) => e.type === 'CrossMatchCompleted');
  expect(found).toHaveLength(1);
  return found[0]!.payload;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-crossmatch-'));
  const catalog = await readDsa110Sources();
  const sky = (shiftDecArcsec: number) => catalog.map((s) => ({ raDeg: s.raDeg, decDeg: s.decDeg + shiftDecArcsec / 3600, peakJy: s.catalogFluxJy }));
  await writeSimulatedImage(join(dir, 'correct.fits'), { ...GRID, sources: sky(0) });
  await writeSimulatedImage(join(dir, 'shifted.fits'), { ...GRID, sources: sky(3) });
  withCatalog = join(dir, 'data');
  withoutCatalog = join(dir, 'empty');
  await mkdir(dataPaths(withCatalog).catalogs, { recursive: true });
  const db = CatalogDb.open(dataPaths(withCatalog).catalogs);
  try {
    await importCatalog(db, DEFAULT_DSA110_SOURCES);
  } finally {
    db.close();
  }
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('crossmatch stage', () => {
  it('finds the sources of a correct image, matches them all and raises no issue', async () => {
    const events = await runStage(withCatalog, join(dir, 'correct.fits'));
    expect(events[0]!.type).toBe('SourcesFound');
    const result = completed(events);
    expect(result.catalog).toBe('dsa110');
    expect(result.expected).toBeGreaterThanOrEqual(25);
    expect(result.completeness).toBe(1);
    expect(result.matched).toBeGreaterThanOrEqual(result.expected);
    expect(Math.hypot(result.raOffsetArcsec!.median, result.decOffsetArcsec!.median)).toBeLessThan(1);
    expect(result.fluxRatio!.median).toBeCloseTo(1, 1);
    expect(result.issues).toEqual([]);
  });

  it('reports a deliberate 3″ offset', async () => {
    const result = completed(await runStage(withCatalog, join(dir, 'shifted.fits')));
    expect(result.decOffsetArcsec!.median).toBeCloseTo(3, 0);
    expect(Math.abs(result.raOffsetArcsec!.median)).toBeLessThan(1);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatch(/^astrometry: systematic offset 3\.\d\d″ .* > 2″$/);
    expect(result.completeness).toBe(1);
  });

  it('says why it cannot cross-match without a catalog database, and still records the sources', async () => {
    const events = await runStage(withoutCatalog, join(dir, 'correct.fits'));
    expect(events.map((e) => e.type)).toEqual(['SourcesFound', 'CrossMatchSkipped']);
    const skipped = events[1]!.payload as { reason: string };
    expect(skipped.reason).toContain(`no catalog database at ${join(dataPaths(withoutCatalog).catalogs, 'catalogs.sqlite')}`);
  });

  it('fails naming the image when it is not a readable FITS image', async () => {
    await expect(runStage(withCatalog, join(dir, 'missing.fits'))).rejects.toThrow(join(dir, 'missing.fits'));
  });
});

describe('sources projection', () => {
  it('holds the detections and the cross-match, and a reprocessed image replaces its rows', async () => {
    const events = await runStage(withCatalog, join(dir, 'shifted.fits'));
    const db = new Database(':memory:');
    db.exec(sourcesProjection.ddl);
    const apply = sourcesProjection.bind(db);
    const asStored = (seq0: number) => events.map((e, i) => stored(e.type, e.payload, seq0 + i));
    apply(asStored(10));
    apply(asStored(20));
    const detected = events[0]!.payload as { sources: unknown[] };
    expect(db.prepare('SELECT count(*) FROM detected_sources').pluck().get()).toBe(detected.sources.length);
    const row = db.prepare('SELECT catalog, matched, completeness, dec_offset_median_arcsec, issues, seq FROM crossmatch_results').get() as Record<string, unknown>;
    const result = completed(events);
    expect(row).toEqual({ catalog: 'dsa110', matched: result.matched, completeness: 1, dec_offset_median_arcsec: result.decOffsetArcsec!.median, issues: JSON.stringify(result.issues), seq: 21 });
    expect(db.prepare('SELECT count(*) FROM crossmatch_matches').pluck().get()).toBe(result.matched);
    db.close();
  });
});
