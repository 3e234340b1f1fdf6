import { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { followLog } from '../src/eventlog/followLog.js';

interface Item {
  readonly seq: number;
}

describe('followLog', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  /** A log whose pages are read with a cold observable that takes `latency` frames. */
  const pagedReader = (run: TestScheduler['run'] extends (cb: (h: infer H) => unknown) => unknown ? H : never, log: () => Item[], pageSize: number, latency: string) => {
    const reads: number[] = [];
    const readAfter = (after: number): Observable<readonly Item[]> => {
      reads.push(after);
      const page = log().filter((i) => i.seq > after).slice(0, pageSize);
      return run.cold(`${latency}(p|)`, { p: page });
    };
    return { readAfter, reads };
  };

  it('reads everything already there, page by page, then waits for a wake-up', () => {
    scheduler.run((helpers) => {
      const { expectObservable, hot } = helpers;
      const items = [1, 2, 3].map((seq) => ({ seq }));
      const { readAfter, reads } = pagedReader(helpers, () => items, 2, '-');
      const wakeups = hot<void>('------');
      expectObservable(followLog(wakeups, readAfter, 0)).toBe('-ab---', { a: [{ seq: 1 }, { seq: 2 }], b: [{ seq: 3 }] });
      scheduler.flush();
      expect(reads).toEqual([0, 2, 3]);
    });
  });

  it('emits appends announced by wake-ups, once, without gaps', () => {
    scheduler.run((helpers) => {
      const { expectObservable, hot } = helpers;
      const items: Item[] = [{ seq: 1 }];
      const wakeups = hot<void>('---w----w--', { w: undefined });
      // the log grows just before each wake-up
      hot('--x----y---').subscribe((v) => items.push({ seq: v === 'x' ? 2 : 3 }));
      const { readAfter } = pagedReader(helpers, () => items, 10, '');
      expectObservable(followLog(wakeups, readAfter, 0)).toBe('a--b----c--', { a: [{ seq: 1 }], b: [{ seq: 2 }], c: [{ seq: 3 }] });
    });
  });

  it('queues a wake-up that arrives during a read instead of dropping it', () => {
    scheduler.run((helpers) => {
      const { expectObservable, hot } = helpers;
      const items: Item[] = [];
      // an append lands during the first (slow) read, after that read took its snapshot:
      // read 0 ---(empty)   then the queued wake-up: read 0 ---(seq 1), then read 1 ---(empty)
      hot('-x').subscribe(() => items.push({ seq: 1 }));
      const wakeups = hot<void>('--w', { w: undefined });
      const { readAfter, reads } = pagedReader(helpers, () => items, 10, '---');
      expectObservable(followLog(wakeups, readAfter, 0)).toBe('------a', { a: [{ seq: 1 }] });
      scheduler.flush();
      expect(reads).toEqual([0, 0, 1]);
    });
  });

  it('starts after the given seq and forwards read errors', () => {
    scheduler.run(({ cold, expectObservable, hot }) => {
      const wakeups = hot<void>('--w', { w: undefined });
      let calls = 0;
      const readAfter = (after: number) => (calls++ === 0 ? cold('(p|)', { p: [{ seq: after + 1 }] }) : cold<readonly Item[]>('#', undefined, new Error('disk gone')));
      expectObservable(followLog(wakeups, readAfter, 41)).toBe('(a#)', { a: [{ seq: 42 }] }, new Error('disk gone'));
    });
  });

  it('listens for wake-ups before it first reads, so no append can slip between them', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const order: string[] = [];
      const wakeups = new Observable<void>(() => {
        order.push('listening');
      });
      const readAfter = (after: number) => {
        order.push(`read after ${after}`);
        return cold<readonly Item[]>('(p|)', { p: [] });
      };
      expectObservable(followLog(wakeups, readAfter, 0)).toBe('');
      scheduler.flush();
      expect(order).toEqual(['listening', 'read after 0']);
    });
  });

  it('releases the wake-ups when unsubscribed', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions, hot }) => {
      const wakeups = hot<void>('--w--w--', { w: undefined });
      const readAfter = () => cold<readonly Item[]>('(p|)', { p: [] });
      expectObservable(followLog(wakeups, readAfter, 0), '----!').toBe('--------');
      expectSubscriptions(wakeups.subscriptions).toBe('^---!');
    });
  });
});
