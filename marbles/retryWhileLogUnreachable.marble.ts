import { defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, EventLogError } from '../src/eventlog/errors.js';
import { outageReporter, retryWhileLogUnreachable } from '../src/operators/retryWhileLogUnreachable.js';

const unreachable = new EventLogError('Kafka did not answer', 'EVENT_LOG_UNREACHABLE');
const unacknowledged = new EventLogError('Kafka did not acknowledge the append', 'EVENT_APPEND_UNACKNOWLEDGED');
const closed = new EventLogError('the Kafka event log is closed', 'EVENT_LOG_CLOSED');

describe('retryWhileLogUnreachable', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('resubscribes after 2, 4, 8 … frames while the log is unreachable, and the wait starts over after a value', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const waits: number[] = [];
      const attempts = [cold('#', undefined, unreachable), cold('#', undefined, unacknowledged), cold('a#', { a: 1 }, unreachable), cold('(b|)', { b: 2 })];
      let n = 0;
      const source = defer(() => attempts[n++]!);
      const retried = source.pipe(retryWhileLogUnreachable({ delayMs: 2, maxDelayMs: 100, onUnreachable: (_, waitMs) => waits.push(waitMs) }, scheduler));
      // fails at 0 → waits 2; fails at 2 → waits 4; emits a at 6, fails at 7 → waits 2 (reset by a); b at 9
      expectObservable(retried).toBe('------a--(b|)', { a: 1, b: 2 });
      scheduler.flush();
      expect(waits).toEqual([2, 4, 2]);
    });
  });

  it('ends at once with any other error', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const refused = new ConcurrencyError('g', 1, 2);
      expectObservable(cold('a#', { a: 1 }, refused).pipe(retryWhileLogUnreachable({ delayMs: 2, maxDelayMs: 100, onUnreachable: () => undefined }, scheduler))).toBe('a#', { a: 1 }, refused);
    });
  });

  it('waits no longer than maxDelayMs', () => {
    scheduler.run(({ cold, expectObservable }) => {
      let n = 0;
      const source = defer(() => (n++ < 3 ? cold('#', undefined, unreachable) : cold('(c|)', { c: 3 })));
      expectObservable(source.pipe(retryWhileLogUnreachable({ delayMs: 3, maxDelayMs: 4, onUnreachable: () => undefined }, scheduler))).toBe('-----------(c|)', { c: 3 });
    });
  });

  it('completes instead of waiting on once stop emits', () => {
    scheduler.run(({ cold, hot, expectObservable }) => {
      const stop = hot('---s');
      const source = cold('#', undefined, unreachable);
      expectObservable(source.pipe(retryWhileLogUnreachable({ delayMs: 2, maxDelayMs: 100, onUnreachable: () => undefined, stop }, scheduler))).toBe('---|');
    });
  });
});

describe('outageReporter', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  it('tells of an outage once, however many failures it causes, and that the log is back once a probe answers', () => {
    scheduler.run(({ cold }) => {
      const told: string[] = [];
      const probes = [cold('--#', undefined, unreachable), cold('-(a|)', { a: 1 }), cold('(a|)', { a: 1 })];
      let n = 0;
      const report = outageReporter(
        {
          probe: () => probes[n++]!,
          probeEveryMs: 3,
          onOutage: (_, waitMs) => told.push(`${scheduler.now()}: unreachable, retrying in ${waitMs}`),
          onBack: (outageMs) => told.push(`${scheduler.now()}: back after ${outageMs}`),
        },
        scheduler,
      );
      for (const [frame, waitMs] of [[0, 1], [1, 2], [4, 4], [10, 1], [11, 2]] as const) scheduler.schedule(() => report(unreachable, waitMs), frame);
      scheduler.flush();
      // probes at 3 (fails at 5), at 8 (answers at 9); the failure at 10 starts a new outage, probed at 13
      expect(told).toEqual(['0: unreachable, retrying in 1', '9: back after 9', '10: unreachable, retrying in 1', '13: back after 3']);
    });
  });

  it('stops watching, without a word, when a probe fails otherwise (the log was closed)', () => {
    scheduler.run(({ cold }) => {
      const told: string[] = [];
      let probes = 0;
      const report = outageReporter(
        {
          probe: () => (probes++, cold('#', undefined, closed)),
          probeEveryMs: 3,
          onOutage: () => told.push('unreachable'),
          onBack: () => told.push('back'),
        },
        scheduler,
      );
      report(unreachable, 1);
      scheduler.flush();
      expect(told).toEqual(['unreachable']);
      expect(probes).toBe(1);
    });
  });
});
