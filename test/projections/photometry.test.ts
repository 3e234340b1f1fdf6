import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PayloadOf } from '../../src/eventlog/schema.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { lightCurveOf, photometry, sourceVariability } from '../../src/projections/photometry.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { checksums, rebuild, verify } from '../../src/projections/replay.js';
import { gaussian, random } from '../support/random.js';

type Payload = PayloadOf<'PhotometryMeasured'>;

const EPOCHS = 20;
const STEADY = 1000;
const NOISE_JY = 0.0023;
const thresholds = { eta: 2, v: 0.1, eseSigma: 3 };
const groupIdOf = (epoch: number) => new Date(Date.UTC(2026, 10, 1 + epoch, 3, 0, 0)).toISOString().slice(0, 19);

/**
 * One field observed on 20 days: 1,000 steady sources (10 mJy – 2 Jy, log-uniform, over 4° × 4°)
 * and one varying sinusoidally by 30 %, each epoch's fluxes scaled by a calibration gain error
 * (5 % rms) common to the image, plus noise.
 */
function survey(seed: number, steady = STEADY): { payloads: Payload[]; gains: number[] } {
  const uniform = random(seed);
  const normal = gaussian(uniform);
  const sources = Array.from({ length: steady }, (_, i) => {
    const [raDeg, decDeg, fluxJy] = [198 + 4 * uniform(), 28 + 4 * uniform(), 0.01 * 200 ** uniform()];
    return { sourceId: `sim:S${String(i).padStart(4, '0')}`, raDeg, decDeg, flux: (_epoch: number) => fluxJy };
  });
  const variable = { sourceId: 'sim:VARIABLE', raDeg: 200, decDeg: 30, flux: (epoch: number) => 0.2 * (1 + 0.3 * Math.sin((2 * Math.PI * epoch) / 7)) };
  const gains = Array.from({ length: EPOCHS }, () => 1 + 0.05 * normal());
  const payloads = gains.map((gain, epoch) => ({
    groupId: groupIdOf(epoch),
    imageId: `${groupIdOf(epoch)}-full`,
    imagePath: `/data/images/${groupIdOf(epoch)}/pbcor.fits`,
    mjd: 61345.125 + epoch,
    catalogs: ['sim'],
    skipped: 0,
    measurements: [...sources, variable].map((s) => {
      const fluxJy = gain * s.flux(epoch) + NOISE_JY * normal();
      return { sourceId: s.sourceId, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy, errorJy: NOISE_JY, peakJy: fluxJy, rmsJy: NOISE_JY / 1.1547, method: 'condon' as const };
    }),
  }));
  return { payloads, gains };
}

let dir: string;
let log: SqliteEventLog;
let store: ReadModelStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'contimg-photometry-'));
  log = new SqliteEventLog(join(dir, 'events.sqlite'), { synchronous: 'normal', watchOtherProcesses: false });
  store = new ReadModelStore(join(dir, 'readmodels.sqlite'), [photometry]);
});
afterEach(async () => {
  store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function record(payload: Payload) {
  await log.append(payload.groupId, [{ type: 'PhotometryMeasured', time: '2026-11-24T00:00:00Z', payload }], 'any');
}

describe('photometry projection', () => {
  it('over 20 epochs flags an injected 30 % variable and < 1 % of 1,000 steady sources, after removing the gain errors', async () => {
    const { payloads, gains } = survey(20);
    for (const payload of payloads) {
      await record(payload);
      await store.catchUp(log);
    }
    const all = sourceVariability(store.db, thresholds);
    expect(all).toHaveLength(STEADY + 1);
    expect(all.every((s) => s.epochs === EPOCHS)).toBe(true);
    const variable = all.find((s) => s.sourceId === 'sim:VARIABLE')!;
    expect(variable).toMatchObject({ variable: true });
    expect(variable.v!).toBeGreaterThan(0.15);
    const falsePositives = all.filter((s) => s.variable && s.sourceId !== 'sim:VARIABLE');
    expect(falsePositives.length).toBeLessThan(STEADY / 100);
    // with the gain errors removed and the correction's error propagated, bright steady sources
    // (S/N > 100, whose raw fluxes scatter by the 5 % gain errors: η in the hundreds) have η near 1
    const brightEtas = all.filter((s) => s.sourceId !== 'sim:VARIABLE' && s.weightedMeanFluxJy! > 100 * NOISE_JY).map((s) => s.eta!).sort((a, b) => a - b);
    expect(brightEtas.length).toBeGreaterThan(300);
    expect(brightEtas[brightEtas.length >> 1]).toBeGreaterThan(0.7);
    expect(brightEtas[brightEtas.length >> 1]).toBeLessThan(1.3);

    // every image is corrected (the first ones again once the references' baselines, the median of
    // their first 10 epochs, settle): the corrections follow the gain errors to a fraction of a percent
    const curve = lightCurveOf(store.db, 'sim:S0000');
    expect(curve.map((p) => p.groupId)).toEqual(payloads.map((p) => p.groupId));
    const relative = curve.map((p, i) => p.correction! / gains[i]!);
    const level = relative.reduce((a, b) => a + b, 0) / relative.length;
    for (const r of relative) expect(Math.abs(r / level - 1)).toBeLessThan(0.005);
    const counts = curve.map((p) => p.referenceCount).sort((a, b) => a - b);
    expect(counts[counts.length >> 1]).toBeGreaterThanOrEqual(15); // of at most 20, after clipping
  }, 60_000);

  it('applies the thresholds given at query time: no replay when they change', async () => {
    const { payloads } = survey(21, 100);
    for (const payload of payloads.slice(0, 5)) await record(payload);
    await store.catchUp(log);
    const strict = sourceVariability(store.db, { ...thresholds, v: 10 }, 'sim:VARIABLE');
    const loose = sourceVariability(store.db, { ...thresholds, v: 0.01, eta: 0 }, 'sim:VARIABLE');
    expect(strict[0]).toMatchObject({ sourceId: 'sim:VARIABLE', epochs: 5, variable: false });
    expect(loose[0]).toMatchObject({ sourceId: 'sim:VARIABLE', epochs: 5, variable: true });
  }, 60_000);

  it('keeps no statistics below 3 epochs', async () => {
    const { payloads } = survey(22, 100);
    for (const payload of payloads.slice(0, 2)) await record(payload);
    await store.catchUp(log);
    const [first] = sourceVariability(store.db, thresholds, 'sim:S0001');
    expect(first).toMatchObject({ epochs: 2, eta: null, v: null, vs: null, m: null, chi2: null, variable: false, eseCandidate: false });
  });

  it('replaces a reprocessed group and a replay rebuilds the photometry, light curves and variability identically', async () => {
    const steady = 200;
    const { payloads } = survey(23, steady);
    for (const [i, payload] of payloads.entries()) {
      await record(payload);
      if (i % 6 === 5) await store.catchUp(log); // the live store folds the log in uneven batches
    }
    // group 4 reprocessed: a newer image where one source is no longer measured and the rest are brighter
    const redo = payloads[4]!;
    await record({ ...redo, imageId: `${redo.groupId}-redo`, measurements: redo.measurements.slice(1).map((m) => ({ ...m, fluxJy: m.fluxJy * 1.01 })) });
    await store.catchUp(log);

    const dropped = redo.measurements[0]!.sourceId;
    expect(lightCurveOf(store.db, dropped)).toHaveLength(EPOCHS - 1);
    expect(lightCurveOf(store.db, redo.measurements[1]!.sourceId).find((p) => p.groupId === redo.groupId)).toMatchObject({ imageId: `${redo.groupId}-redo` });
    expect(sourceVariability(store.db, thresholds, dropped)[0]!.epochs).toBe(EPOCHS - 1);

    const report = await verify(log, store, join(dir, 'scratch.sqlite'));
    expect(report.differences).toEqual([]);
    const fresh = await rebuild(log, [photometry], join(dir, 'rebuilt.sqlite'));
    try {
      const [live, replayed] = [checksums(store), checksums(fresh)];
      expect(replayed).toEqual(live);
      expect(live[0]!.tables.map((t) => [t.table, t.rows])).toEqual([
        ['photometry', (steady + 1) * EPOCHS - 1],
        ['source_variability', steady + 1],
      ]);
    } finally {
      fresh.close();
    }
  }, 60_000);
});
