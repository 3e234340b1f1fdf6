import { type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { awaitReadable } from '../src/operators/awaitReadable.js';
import type { SubbandCandidate } from '../src/operators/subbandCandidate.js';

const arrival = (name: string) => ({ path: `/incoming/${name}`, name, sizeBytes: 10, mtimeMs: 0 });
const good: SubbandCandidate = { file: arrival('2026-11-24T08:15:00_sb00.hdf5'), name: { timestamp: '2026-11-24T08:15:00', timeMs: 0, subband: 0 } };
const settling: SubbandCandidate = { file: arrival('2026-11-24T08:15:00_sb01.hdf5'), name: { timestamp: '2026-11-24T08:15:00', timeMs: 0, subband: 1 } };
const junk: SubbandCandidate = { file: arrival('junk'), problem: 'bad name' };

describe('awaitReadable', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('retries a file until it reads, and gives up with the last error as its problem', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const tries = new Map<string, number>();
      const check = (c: SubbandCandidate): Observable<unknown> => {
        const n = (tries.get(c.file.name) ?? 0) + 1;
        tries.set(c.file.name, n);
        if (c === good) return cold('-(h|)', { h: 'header' });
        return c === settling && n === 3 ? cold('(h|)', { h: 'header' }) : cold('-#', undefined, new Error(`HDF5 header truncated (try ${n})`));
      };
      const broken: SubbandCandidate = { file: arrival('2026-11-24T08:15:00_sb02.hdf5'), name: { timestamp: '2026-11-24T08:15:00', timeMs: 0, subband: 2 } };
      const source = cold('g-s-b-j|', { g: good, s: settling, b: broken, j: junk });
      // settling: fails at 3, retried at 5, fails at 6, retried at 8 and reads; broken: fails at 5, 8, 11
      expectObservable(source.pipe(awaitReadable(check, { attempts: 3, delayMs: 2, concurrency: 4 }, scheduler))).toBe('-g----j-s--(b|)', {
        g: good,
        s: settling,
        j: junk,
        b: { file: broken.file, problem: 'unreadable after 3 tries: HDF5 header truncated (try 3)' },
      });
    });
  });

  it('checks at most `concurrency` files at once', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const check = () => cold('---(h|)', { h: 'header' });
      const source = cold('(gs|)', { g: good, s: settling });
      expectObservable(source.pipe(awaitReadable(check, { attempts: 1, delayMs: 0, concurrency: 1 }, scheduler))).toBe('---g--(s|)', { g: good, s: settling });
    });
  });
});
