import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { calibrationRegistry, listCaltables, selectCalibration } from '../../src/projections/calibrationRegistry.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';

const DAY_START = 61000;
const hours = (h: number) => DAY_START + h / 24;
let dir: string;
let log: SqliteEventLog;
let store: ReadModelStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'contimg-registry-'));
  log = new SqliteEventLog(join(dir, 'events.sqlite'), { synchronous: 'normal', watchOtherProcesses: false });
  store = new ReadModelStore(':memory:', [calibrationRegistry]);
});
afterEach(async () => {
  store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A calibrator group's accepted solve valid over [fromH, toH] hours, with the kinds given. */
async function register(groupId: string, fromH: number, toH: number, kinds: readonly ('K' | 'BP' | 'G')[] = ['BP', 'G']) {
  await log.append(
    groupId,
    kinds.map((kind) => ({
      type: 'CaltableRegistered' as const,
      time: '2026-11-24T00:00:00Z',
      payload: { groupId, caltableId: `${groupId}-${kind}`, kind, path: `/data/caltables/${groupId}.${kind}`, validFromMjd: hours(fromH), validToMjd: hours(toH), refAntenna: 'DSA-001', medianSnr: 40, flaggedFraction: 0.02 },
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
    expect(chosen(1)).toMatchObject({ groupId: '2026-11-24T02:00:00', tables: [{ kind: 'BP' }, { kind: 'G' }, { kind: 'K' }] });
    expect(listCaltables(store.db).map((t) => t.caltableId)).toEqual(['2026-11-24T01:00:00-G', '2026-11-24T02:00:00-BP', '2026-11-24T02:00:00-G', '2026-11-24T02:00:00-K']);
    expect(listCaltables(store.db, { fromMjd: hours(7) })).toHaveLength(3);
  });
});
