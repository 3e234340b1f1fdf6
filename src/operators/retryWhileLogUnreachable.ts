import { asyncScheduler, concatMap, defer, EMPTY, retry, take, takeUntil, throwError, timer, type MonoTypeOperatorFunction, type ObservableInput, type Observable, type SchedulerLike } from 'rxjs';
import { isLogUnreachable } from '../eventlog/errors.js';

export interface UnreachableRetry {
  /** First wait, doubled on each failure in a row up to `maxDelayMs`. */
  readonly delayMs: number;
  readonly maxDelayMs: number;
  /** Told each time the log could not be reached, before the wait. */
  readonly onUnreachable: (error: unknown, waitMs: number) => void;
  /** Emits when waiting is pointless (the pipeline is stopping): a wait under way then completes the stream. */
  readonly stop?: Observable<unknown>;
}

/**
 * Resubscribes when the event log could not be reached (a broker outage), after a growing wait,
 * so a pipeline rides out an outage instead of ending; any other error still ends it. A value
 * coming through resets the wait.
 */
export function retryWhileLogUnreachable<T>({ delayMs, maxDelayMs, onUnreachable, stop = EMPTY }: UnreachableRetry, scheduler?: SchedulerLike): MonoTypeOperatorFunction<T> {
  return retry({
    resetOnSuccess: true,
    delay: (error: unknown, failures: number) => {
      if (!isLogUnreachable(error)) return throwError(() => error);
      const waitMs = Math.min(maxDelayMs, delayMs * 2 ** (failures - 1));
      onUnreachable(error, waitMs);
      return timer(waitMs, scheduler).pipe(takeUntil(stop));
    },
  });
}

export interface OutageReporting {
  /** Any call to the log: it answering ends the outage. */
  readonly probe: () => ObservableInput<unknown>;
  readonly probeEveryMs: number;
  /** Told at an outage's first failure, with the wait before the retry. */
  readonly onOutage: (error: unknown, waitMs: number) => void;
  /** Told when the log answers again, with how long it did not. */
  readonly onBack: (outageMs: number) => void;
}

/**
 * An `onUnreachable` that tells of each outage once, however many pipelines meet it: `onOutage`
 * at its first failure, then, once `probe` (tried every `probeEveryMs`) answers, `onBack`. A probe
 * failing otherwise than unreachable (the log was closed) ends the watch without a word.
 */
export function outageReporter({ probe, probeEveryMs, onOutage, onBack }: OutageReporting, scheduler: SchedulerLike = asyncScheduler): (error: unknown, waitMs: number) => void {
  let watching = false;
  const answered = () =>
    timer(probeEveryMs, scheduler).pipe(
      concatMap(() => defer(probe).pipe(retry({ delay: (error: unknown) => (isLogUnreachable(error) ? timer(probeEveryMs, scheduler) : throwError(() => error)) }))),
      take(1),
    );
  return (error, waitMs) => {
    if (watching) return;
    watching = true;
    const start = scheduler.now();
    onOutage(error, waitMs);
    const done = () => (watching = false);
    answered().subscribe({ next: () => onBack(scheduler.now() - start), error: done, complete: done });
  };
}
