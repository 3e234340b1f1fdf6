import { defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, EventLogError } from '../src/eventlog/errors.js';
import { retryWhileLogUnreachable } from '../src/operators/retryWhileLogUnreachable.js';

const unreachable = new EventLogError('Kafka did not answer', 'EVENT_LOG_UNREACHABLE');
const unacknowledged = new EventLogError('Kafka did not acknowledge the append', 'EVENT_APPEND_UNACKNOWLEDGED');

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
});
