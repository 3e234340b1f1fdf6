import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { dataPaths } from '../../../src/config/paths.js';
import type { StoredEvent } from '../../../src/eventlog/event.js';
import { payloadErrors } from '../../../src/eventlog/schema.js';
import { DEFAULT_DSA110_SOURCES, readDsa110Sources } from '../../../src/science/catalogs/dsa110Sources.js';
import { photometryStage } from '../../../src/stages/photometry.js';
import { importCatalogFile } from '../../support/catalogFile.js';
import { stageContext } from '../../support/stageContext.js';
import { skyToPixel, writeSkyImage, type SkyImageSpec } from './skyImage.js';

const GROUP_ID = '2026-01-25T22:40:00';
const MID_MJD = 61065.94;
/** A 2° tile around J343.4904+16.1482 (12.7 Jy) and its neighbours. */
const spec: SkyImageSpec = {
  raDeg: 343.5,
  decDeg: 16.2,
  nx: 800,
  ny: 800,
  cellArcsec: 9,
  beam: { majorArcsec: 36, minorArcsec: 27, paDeg: 0 },
  noiseJy: 0.002,
  correlatedNoise: true,
  seed: 8,
};

let dir: string;
let pbcor: string;

function stored(type: string, payload: object, seq: number): StoredEvent {
  return { type, payload, seq, id: `e${seq}`, stream: GROUP_ID, streamVersion: seq, version: 1, time: '2026-01-25T22:45:00Z', causationId: null, correlationId: null } as StoredEvent;
}

const history = () => [
  stored('MsWritten', { groupId: GROUP_ID, msPath: join(dir, 'x.ms'), rows: 1, spectralWindows: 16, channels: 48, antennas: 24, integrations: 8, sizeBytes: 1, phaseCenterRaRad: 0, phaseCenterDecRad: 0, midMjd: MID_MJD }, 1),
  stored('ImageWritten', { groupId: GROUP_ID, imageId: `${GROUP_ID}-full`, mode: 'full', products: { image: join(dir, 'image.fits'), pbcor }, sizePx: spec.nx, cellArcsec: spec.cellArcsec, beam: spec.beam }, 2),
];

function contextIn(data: string, warnings: string[] = []) {
  const config = { ...loadConfig({ flags: {}, env: {} }).config, 'photometry.catalogs': 'dsa110', 'photometry.minFluxJy': 0 };
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  return stageContext({ groupId: GROUP_ID, history: history(), paths: dataPaths(data), config, logger });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-phot-stage-'));
  pbcor = join(dir, 'pbcor.fits');
  const sources = await readDsa110Sources();
  await writeSkyImage(
    pbcor,
    spec,
    sources.map((s) => ({ raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.catalogFluxJy })),
  );
  await importCatalogFile(dataPaths(join(dir, 'data')).catalogs, DEFAULT_DSA110_SOURCES);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('photometry stage', () => {
  it('measures every catalog source on the pbcor image and records one valid PhotometryMeasured', async () => {
    const events = await photometryStage.run(contextIn(join(dir, 'data')));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.type).toBe('PhotometryMeasured');
    expect(payloadErrors('PhotometryMeasured', event.payload)).toEqual([]);
    if (event.type !== 'PhotometryMeasured') return;
    const { measurements, ...rest } = event.payload;
    expect(rest).toMatchObject({ groupId: GROUP_ID, imageId: `${GROUP_ID}-full`, imagePath: pbcor, mjd: MID_MJD, catalogs: ['dsa110'] });

    const truth = (await readDsa110Sources()).filter((s) => {
      // the weighting cutout reaches 1.5 beam majors (6 pixels) from the nearest pixel
      const [x, y] = skyToPixel(spec, s.raDeg, s.decDeg).map(Math.round) as [number, number];
      return Math.min(x, y) >= 6 && x <= spec.nx - 7 && y <= spec.ny - 7;
    });
    expect(truth.length).toBeGreaterThanOrEqual(8);
    expect(measurements.map((m) => m.sourceId).sort()).toEqual(truth.map((s) => `dsa110:${s.name}`).sort());
    for (const m of measurements) {
      const source = truth.find((s) => `dsa110:${s.name}` === m.sourceId)!;
      expect(m.method).toBe('condon');
      expect(Math.abs(m.fluxJy - source.catalogFluxJy)).toBeLessThan(5 * m.errorJy);
    }
  });

  it('without a catalog database records nothing and says why', async () => {
    const warnings: string[] = [];
    await expect(photometryStage.run(contextIn(join(dir, 'empty'), warnings))).resolves.toEqual([]);
    expect(warnings.join('\n')).toMatch(/no catalog database at .*catalogs\.sqlite.*contimg catalog import/);
  });

  it('leaves an image graded bad unmeasured, saying why', async () => {
    const warnings: string[] = [];
    const qa = { groupId: GROUP_ID, imageId: `${GROUP_ID}-full`, rmsJy: 0.1, peakJy: 0.3, dynamicRange: 3, beam: spec.beam, sourceCount: 0, grade: 'bad', issues: ['dynamic range 3 < 5'] };
    const context = { ...contextIn(join(dir, 'data'), warnings), history: [...history(), stored('ImageQaMeasured', qa, 3)] };
    await expect(photometryStage.run(context)).resolves.toEqual([]);
    expect(warnings.join('\n')).toMatch(/graded bad: no forced photometry/);
    const good = { ...contextIn(join(dir, 'data')), history: [...history(), stored('ImageQaMeasured', { ...qa, grade: 'warn' }, 3)] };
    expect(await photometryStage.run(good)).toHaveLength(1);
  });

  it('fails naming the group when it has no image', async () => {
    const context = { ...contextIn(join(dir, 'data')), history: history().slice(0, 1) };
    await expect(photometryStage.run(context)).rejects.toThrow(/no image to measure/);
  });
});
