/**
 * The mosaic stage over real read models (the images and MeasurementSet projections fed the
 * events the pipeline records) and synthetic tiles on disk: a window is written once, when its
 * twelfth usable tile is graded, and never with a bad tile or one of another declination.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths, type DataPaths } from '../../src/config/paths.js';
import type { DomainEvent, StoredEvent } from '../../src/eventlog/event.js';
import { payloadErrors } from '../../src/eventlog/schema.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { MOSAIC_STRIDE, slotOf, slotTimeMs } from '../../src/science/mosaic/index.js';
import { readModelMosaics } from '../../src/cli/pipeline/pendingMosaics.js';
import { mosaicStage } from '../../src/stages/mosaic.js';
import { RA_STEP_DEG, writeTile } from '../science/mosaic/syntheticTiles.js';
import { stageContext } from '../support/stageContext.js';

const DEC = 40;
const FIRST_SLOT = MOSAIC_STRIDE * Math.round(slotOf('2026-01-25T03:00:00') / MOSAIC_STRIDE);
const groupOf = (slot: number) => new Date(slotTimeMs(FIRST_SLOT + slot) + 7_000).toISOString().slice(0, 19);

/** One sky for every tile: a 1 Jy source at each tile's centre. */
const SKY = Array.from({ length: 12 }, (_, slot) => ({ raDeg: 100 + slot * RA_STEP_DEG, decDeg: DEC, fluxJy: 1 }));

let dir: string;
let seq = 0;

function stored(event: DomainEvent, stream: string): StoredEvent {
  seq += 1;
  return { ...event, seq, id: `e${seq}`, stream, streamVersion: seq, version: 1, time: '2026-01-25T05:00:00Z', causationId: null, correlationId: null };
}

/** The events of a group imaged and graded, its tile written under `data`. */
async function tileHistory(data: string, slot: number, grade: 'good' | 'warn' | 'bad', decDeg = DEC): Promise<StoredEvent[]> {
  const groupId = groupOf(slot);
  const imageId = `${groupId}.full`;
  const tileDir = join(data, 'images', imageId);
  await mkdir(tileDir, { recursive: true });
  const products = await writeTile({ dir: tileDir, raDeg: 100 + slot * RA_STEP_DEG, decDeg, size: 48, cellDeg: 0.06, beamFwhmPx: 4, dateObs: groupId, sources: SKY });
  const beam = { majorArcsec: 864, minorArcsec: 864, paDeg: 0 };
  const d2r = Math.PI / 180;
  return [
    stored({ type: 'MsWritten', payload: { groupId, msPath: `/ms/${groupId}.ms`, rows: 1, spectralWindows: 1, channels: 1, antennas: 2, integrations: 1, sizeBytes: 1, phaseCenterRaRad: (100 + slot * RA_STEP_DEG) * d2r, phaseCenterDecRad: decDeg * d2r, midMjd: 61065 } }, groupId),
    stored({ type: 'ImageWritten', payload: { groupId, imageId, mode: 'full', products: { image: products.imagePath, pb: products.pbPath }, sizePx: 48, cellArcsec: 216, beam } }, groupId),
    stored({ type: 'ImageQaMeasured', payload: { groupId, imageId, rmsJy: 0.001, peakJy: 1, dynamicRange: 1000, beam, sourceCount: 1, grade, issues: [] } }, groupId),
  ];
}

/** A data directory whose read models hold the tiles of `slots` (graded as `grades` says, good otherwise). */
async function dataDir(name: string, slots: readonly number[], grades: Record<number, 'bad' | 'warn'> = {}, decs: Record<number, number> = {}): Promise<{ paths: DataPaths; store: ReadModelStore }> {
  const data = join(dir, name);
  const paths = dataPaths(data);
  const store = new ReadModelStore(paths.readModels, ALL_PROJECTIONS);
  seq = 0;
  for (const slot of slots) store.applyBatch(await tileHistory(data, slot, grades[slot] ?? 'good', decs[slot]));
  return { paths, store };
}

async function runFor(paths: DataPaths, store: ReadModelStore, history: StoredEvent[]): Promise<readonly DomainEvent[]> {
  const events = await mosaicStage(readModelMosaics(store.db)).run(stageContext({ groupId: history[0]!.stream, history, paths }));
  for (const event of events) expect(payloadErrors(event.type, event.payload)).toEqual([]);
  return events;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-mosaic-stage-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mosaic stage', () => {
  it('writes the window its twelfth tile completes, once', async () => {
    const { paths, store } = await dataDir('complete', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const trigger = await tileHistory(paths.root, 11, 'warn');
    const events = await runFor(paths, store, trigger);
    expect(events).toHaveLength(1);
    const written = events[0]!;
    if (written.type !== 'MosaicWritten') throw new Error(`unexpected ${written.type}`);
    const { payload } = written;
    expect(payload.mosaicId).toBe(`dec+40.0_w${String(FIRST_SLOT / MOSAIC_STRIDE).padStart(6, '0')}`);
    expect(payload.tiles.map((t) => t.groupId)).toEqual(Array.from({ length: 12 }, (_, i) => groupOf(i)));
    expect(payload.groupId).toBe(groupOf(11));
    for (const product of ['mosaic', 'weight', 'thumbnail', 'qa']) expect(existsSync(payload.products[product]!)).toBe(true);
    expect(payload.products['mosaic']).toBe(join(paths.root, 'mosaics', payload.mosaicId, 'mosaic.fits'));
    // 1 Jy sources: the brightest pixel is near one's peak
    expect(payload.peakJy).toBeGreaterThan(0.95);
    expect(payload.peakJy).toBeLessThan(1.05);
    expect(payload.coverage).toBeGreaterThan(0.3);

    // once the read models have the mosaic, the same tile (a retry) writes nothing more
    store.applyBatch(trigger);
    store.applyBatch([stored(written, groupOf(11))]);
    expect(await runFor(paths, store, trigger)).toEqual([]);
    store.close();
  }, 120_000);

  it('does not count a tile graded bad, nor one at another declination', async () => {
    const bad = await dataDir('bad', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { 4: 'bad' });
    expect(await runFor(bad.paths, bad.store, await tileHistory(bad.paths.root, 11, 'good'))).toEqual([]);
    bad.store.close();
    const elsewhere = await dataDir('elsewhere', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {}, { 7: DEC + 1 });
    expect(await runFor(elsewhere.paths, elsewhere.store, await tileHistory(elsewhere.paths.root, 11, 'good'))).toEqual([]);
    elsewhere.store.close();
  }, 120_000);

  it('makes no mosaic of a tile graded bad, and fails for a group without an image', async () => {
    const { paths, store } = await dataDir('own-bad', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await runFor(paths, store, await tileHistory(paths.root, 11, 'bad'))).toEqual([]);
    await expect(mosaicStage(readModelMosaics(store.db)).run(stageContext({ groupId: groupOf(11), history: [], paths }))).rejects.toThrow(/no image/);
    store.close();
  }, 120_000);
});
