import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IngestDecision } from '../src/domain/ingest.js';
import { parseSubbandName } from '../src/domain/subbandFile.js';
import { groupSubbands, type GroupingPolicy } from '../src/operators/groupSubbands.js';
import type { SubbandCandidate } from '../src/operators/subbandCandidate.js';

const policy: GroupingPolicy = { toleranceMs: 120_000, collectTimeoutMs: 100, expectedSubbands: 16 };

/** A candidate for `time_sbNN.hdf5` (or a junk name). */
function file(name: string, dir = '/incoming'): SubbandCandidate {
  const parsed = parseSubbandName(name);
  const arrival = { path: `${dir}/${name}`, name, sizeBytes: 145_000_000, mtimeMs: 0 };
  return typeof parsed === 'string' ? { file: arrival, problem: parsed } : { file: arrival, name: parsed };
}

const opened = (c: SubbandCandidate, groupId: string, frame: number): IngestDecision => ({
  kind: 'arrived',
  groupId,
  subband: c.name!.subband,
  file: c.file,
  open: { expectedSubbands: 16, collectDeadline: new Date(frame + policy.collectTimeoutMs).toISOString() },
});
const joined = (c: SubbandCandidate, groupId: string): IngestDecision => ({ kind: 'arrived', groupId, subband: c.name!.subband, file: c.file });
const timeout = (groupId: string): IngestDecision => ({ kind: 'timeout', groupId });

describe('groupSubbands', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('groups jittered, out-of-order subbands under the timestamp of the first file to arrive', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const a = file('2026-11-24T08:15:03_sb05.hdf5');
      const b = file('2026-11-24T08:15:00_sb00.hdf5');
      const c = file('2026-11-24T08:15:07_sb15.hdf5');
      const source = cold('-a-b-c|', { a, b, c });
      expectObservable(source.pipe(groupSubbands(policy, [], scheduler))).toBe('-a-b-c 95ms (t|)', {
        a: opened(a, '2026-11-24T08:15:03', 1),
        b: joined(b, '2026-11-24T08:15:03'),
        c: joined(c, '2026-11-24T08:15:03'),
        t: timeout('2026-11-24T08:15:03'),
      });
    });
  });

  it('keeps two interleaved groups apart and times each out on its own deadline', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const a0 = file('2026-11-24T08:15:00_sb00.hdf5');
      const b0 = file('2026-11-24T08:20:09_sb00.hdf5');
      const a1 = file('2026-11-24T08:15:02_sb01.hdf5');
      const b1 = file('2026-11-24T08:20:08_sb01.hdf5');
      const source = hot('-x-y-z-w-', { x: a0, y: b0, z: a1, w: b1 });
      expectObservable(source.pipe(groupSubbands(policy, [], scheduler))).toBe('-x-y-z-w 93ms s-t', {
        x: opened(a0, '2026-11-24T08:15:00', 1),
        y: opened(b0, '2026-11-24T08:20:09', 3),
        z: joined(a1, '2026-11-24T08:15:00'),
        w: joined(b1, '2026-11-24T08:20:09'),
        s: timeout('2026-11-24T08:15:00'),
        t: timeout('2026-11-24T08:20:09'),
      });
    });
  });

  it('passes duplicates and late files to their group for the log to settle, and quarantines junk names', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const a = file('2026-11-24T08:15:00_sb00.hdf5');
      const again = file('2026-11-24T08:15:00_sb00.hdf5');
      const copy = file('2026-11-24T08:15:01_sb00.hdf5', '/incoming/copies');
      const junk = file('notes.txt');
      const late = file('2026-11-24T08:15:04_sb09.hdf5');
      const source = hot('-a-b-c-j 150ms l', { a, b: again, c: copy, j: junk, l: late });
      expectObservable(source.pipe(groupSubbands(policy, [], scheduler))).toBe('-a-b-c-j 93ms t 56ms l', {
        a: opened(a, '2026-11-24T08:15:00', 1),
        b: joined(again, '2026-11-24T08:15:00'),
        c: joined(copy, '2026-11-24T08:15:00'),
        j: { kind: 'quarantine', file: junk.file, reason: 'name "notes.txt" is not YYYY-MM-DDTHH:MM:SS_sbNN.hdf5' },
        t: timeout('2026-11-24T08:15:00'),
        l: joined(late, '2026-11-24T08:15:00'),
      });
    });
  });

  it('opens a new group for a file beyond the tolerance of every anchor', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const a = file('2026-11-24T08:15:00_sb00.hdf5');
      const b = file('2026-11-24T08:17:01_sb01.hdf5'); // 121 s later
      expectObservable(cold('ab|', { a, b }).pipe(groupSubbands(policy, [], scheduler))).toBe('ab 98ms s(t|)', {
        a: opened(a, '2026-11-24T08:15:00', 0),
        b: opened(b, '2026-11-24T08:17:01', 1),
        s: timeout('2026-11-24T08:15:00'),
        t: timeout('2026-11-24T08:17:01'),
      });
    });
  });

  it('after a restart, puts rescanned files into the groups the log knows and re-arms their deadlines', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const known = [
        { groupId: '2026-11-24T08:15:00', collectDeadline: null },
        { groupId: '2026-11-24T08:20:09', collectDeadline: new Date(30).toISOString() },
      ];
      const rescanned = file('2026-11-24T08:15:01_sb03.hdf5');
      const missing = file('2026-11-24T08:20:10_sb07.hdf5');
      expectObservable(cold('-r-m|', { r: rescanned, m: missing }).pipe(groupSubbands(policy, known, scheduler))).toBe('-r-m 26ms (t|)', {
        r: joined(rescanned, '2026-11-24T08:15:00'),
        m: joined(missing, '2026-11-24T08:20:09'),
        t: timeout('2026-11-24T08:20:09'),
      });
    });
  });

  it('forwards a source error and cancels its deadlines on unsubscribe', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = file('2026-11-24T08:15:00_sb00.hdf5');
      const failing = hot('-a-#', { a }, new Error('watcher died'));
      expectObservable(failing.pipe(groupSubbands(policy, [], scheduler))).toBe('-a-#', { a: opened(a, '2026-11-24T08:15:00', 1) }, new Error('watcher died'));
      const quiet = hot('-a----', { a });
      expectObservable(quiet.pipe(groupSubbands(policy, [], scheduler)), '---!').toBe('-a----', { a: opened(a, '2026-11-24T08:15:00', 1) });
      expectSubscriptions(quiet.subscriptions).toBe('^--!');
    });
  });
});
