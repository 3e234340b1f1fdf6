import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { calibrationRegistry, listCaltables, runningSolveFor, selectCalibration } from '../../src/projections/calibrationRegistry.js';
import { msIndex } from '../../src/projections/products.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';

const DAY_START = 61000;
const hours = (h: number) => DAY_START + h / 24;
let dir: string;
let log: SqliteEventLog;
let store: ReadModelStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'contimg-registry-'));
  log = new SqliteEventLog(join(dir, 'events.sqlite'), { synchronous: 'normal', watchOtherProcesses: false });
  store = new ReadModelStore(':memory:', [calibrationRegistry, msIndex]);
});
afterEach(async () => {
  store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A calibrator group's accepted solve valid over [fromH, toH] hours, with the kinds given. */
async function register(groupId: string, fromH: number, toH: number, kinds: readonly ('K' | 'BP' | 'G')[] = ['BP', 'G'], artifacts?: Record<string, string>) {
  await log.append(
    groupId,
    kinds.map((kind) => ({
      type: 'CaltableRegistered' as const,
      time: '2026-11-24T00:00:00Z',
      payload: {
        groupId,
        caltableId: `${groupId}-${kind}`,
        kind,
        path: `/data/caltables/${groupId}.${kind}`,
        validFromMjd: hours(fromH),
        validToMjd: hours(toH),
        refAntenna: 'DSA-001',
        medianSnr: 40,
        flaggedFraction: 0.02,
        ...(artifacts && { artifacts }),
      },
    })),
    'any',
  );
  await store.catchUp(log);
}

const chosen = (h: number) => selectCalibration(store.db, hours(h));

describe('calibration registry', () => {
  it('takes a set whose window covers the target, the newest registered when several do', async () => {
    await register('2026-11-24T01:00:00', 0, 6);
    await register('2026-11-24T03:00:00', 2, 8);
    expect(chosen(1)).toMatchObject({ groupId: '2026-11-24T01:00:00', separationHours: 0, warning: null });
    expect(chosen(4)?.groupId).toBe('2026-11-24T03:00:00');
    expect(chosen(4)?.tables.map((t) => t.kind)).toEqual(['BP', 'G']);
  });

  it('otherwise takes the nearest set before or after within 12 h, warning beyond 6 h', async () => {
    await register('2026-11-24T10:00:00', 10, 11);
    expect(chosen(12)).toMatchObject({ groupId: '2026-11-24T10:00:00', warning: null });
    expect(chosen(12)!.separationHours).toBeCloseTo(1, 9);
    expect(chosen(3)!.separationHours).toBeCloseTo(7, 9);
    expect(chosen(3)!.warning).toMatch(/7\.0 h from the target, beyond 6 h/);
    await register('2026-11-24T15:00:00', 15, 16);
    expect(chosen(13.6)?.groupId).toBe('2026-11-24T15:00:00');
    expect(chosen(12.9)?.groupId).toBe('2026-11-24T10:00:00');
  });

  it('stops at exactly 12 h in either direction', async () => {
    await register('2026-11-24T12:00:00', 12, 13);
    expect(chosen(0)).not.toBeNull();
    expect(chosen(-0.01)).toBeNull();
    expect(chosen(25)).not.toBeNull();
    expect(chosen(25.01)).toBeNull();
  });

  it('never picks an incomplete set (gains without a bandpass), and lists the validity timeline', async () => {
    await register('2026-11-24T01:00:00', 0, 6, ['G']);
    expect(chosen(1)).toBeNull();
    await register('2026-11-24T02:00:00', 9, 10, ['K', 'BP', 'G']);
    expect(chosen(1)).toMatchObject({ groupId: '2026-11-24T02:00:00', tables: [{ kind: 'K' }, { kind: 'BP' }, { kind: 'G' }] });
    expect(listCaltables(store.db).map((t) => t.caltableId)).toEqual(['2026-11-24T01:00:00-G', '2026-11-24T02:00:00-BP', '2026-11-24T02:00:00-G', '2026-11-24T02:00:00-K']);
    expect(listCaltables(store.db, { fromMjd: hours(7) })).toHaveLength(3);
  });

  it('keeps the QA plots registered with each table (none for an event without them)', async () => {
    const plots = { 'bandpass-amplitude': '/data/caltables/g/x_bpcal.bandpass-amplitude.svg', 'bandpass-phase': '/data/caltables/g/x_bpcal.bandpass-phase.svg' };
    await register('2026-11-24T01:00:00', 0, 1, ['BP'], plots);
    await register('2026-11-24T02:00:00', 0, 1, ['G']);
    expect(listCaltables(store.db).map((t) => t.artifacts)).toEqual([plots, {}]);
    expect(chosen(0.5)).toBeNull();
    await register('2026-11-24T01:00:00', 0, 1, ['G'], { 'gain-phase': '/p.svg' });
    expect(chosen(0.5)?.tables.map((t) => t.artifacts)).toEqual([plots, { 'gain-phase': '/p.svg' }]);
  });

  describe('a running calibrator solve', () => {
    const TIME = '2026-11-24T00:00:00Z';
    const CAL = '2026-11-24T03:00:00';
    const PLAIN = '2026-11-24T02:00:00';
    const TARGET = '2026-11-24T04:00:00';
    /** A group observed at `midH` hours; a calibrator group when `calibrator`. */
    async function observed(groupId: string, midH: number, calibrator: boolean) {
      const ms = { groupId, msPath: `/data/ms/${groupId}.ms`, rows: 1, spectralWindows: 1, channels: 1, antennas: 1, integrations: 1, sizeBytes: 1, phaseCenterRaRad: 0, phaseCenterDecRad: 0, midMjd: hours(midH) };
      await log.append(
        groupId,
        [
          ...(calibrator ? [{ type: 'CalibratorSelected' as const, time: TIME, payload: { groupId, calibrator: '3C454.3', fluxJy: 10, separationDeg: 0.1, reason: 'test' } }] : []),
          { type: 'MsWritten' as const, time: TIME, payload: ms },
        ],
        'any',
      );
      await store.catchUp(log);
    }
    async function solve(groupId: string, phase: 'StageStarted' | 'StageCompleted' | 'StageFailed') {
      const payload =
        phase === 'StageStarted'
          ? { groupId, stage: 'solve' as const, attempt: 1 }
          : phase === 'StageCompleted'
            ? { groupId, stage: 'solve' as const, attempt: 1, durationMs: 1 }
            : { groupId, stage: 'solve' as const, attempt: 1, durationMs: 1, error: { message: 'broke' }, retryable: true };
      await log.append(groupId, [{ type: phase, time: TIME, payload } as Parameters<typeof log.append>[1][number]], 'any');
      await store.catchUp(log);
    }
    const waitsFor = (h: number, target = TARGET) => runningSolveFor(store.db, hours(h), target);

    it('is waited for while it runs, by a target within 12 h, not by its own group', async () => {
      await observed(CAL, 3, true);
      expect(waitsFor(3.1)).toBeNull();
      await solve(CAL, 'StageStarted');
      expect(waitsFor(3.1)).toMatchObject({ groupId: CAL });
      expect(waitsFor(3.1)!.separationHours).toBeCloseTo(0.1, 9);
      expect(waitsFor(3, CAL)).toBeNull();
      expect(waitsFor(15)).not.toBeNull();
      expect(waitsFor(15.01)).toBeNull();
      await solve(CAL, 'StageCompleted');
      expect(waitsFor(3.1)).toBeNull();
      await solve(CAL, 'StageStarted');
      await solve(CAL, 'StageFailed');
      expect(waitsFor(3.1)).toBeNull();
    });

    it("is ignored for a group that is not a calibrator group, and when a set as near or nearer is there already", async () => {
      await observed(PLAIN, 3, false);
      await solve(PLAIN, 'StageStarted');
      expect(waitsFor(3)).toBeNull();
      await observed(CAL, 5, true);
      await solve(CAL, 'StageStarted');
      await register('2026-11-23T23:00:00', 0, 1);
      // The registered set is 3 h from the target at 4 h, the running one 1 h: worth waiting for.
      expect(waitsFor(4)).toMatchObject({ groupId: CAL });
      // A set 0.5 h away is nearer than the running one (1.5 h): no wait.
      expect(waitsFor(1.5)).toBeNull();
      await register('2026-11-24T03:55:00', 3.9, 4.1);
      expect(waitsFor(4)).toBeNull();
    });
  });
});
