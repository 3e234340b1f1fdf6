import { retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { isLogUnreachable } from '../eventlog/errors.js';

export interface UnreachableRetry {
  /** First wait, doubled on each failure in a row up to `maxDelayMs`. */
  readonly delayMs: number;
  readonly maxDelayMs: number;
  /** Told each time the log could not be reached, before the wait. */
  readonly onUnreachable: (error: unknown, waitMs: number) => void;
}

/**
 * Resubscribes when the event log could not be reached (a broker outage), after a growing wait,
 * so a pipeline rides out an outage instead of ending; any other error still ends it. A value
 * coming through resets the wait.
 */
export function retryWhileLogUnreachable<T>({ delayMs, maxDelayMs, onUnreachable }: UnreachableRetry, scheduler?: SchedulerLike): MonoTypeOperatorFunction<T> {
  return retry({
    resetOnSuccess: true,
    delay: (error: unknown, failures: number) => {
      if (!isLogUnreachable(error)) return throwError(() => error);
      const waitMs = Math.min(maxDelayMs, delayMs * 2 ** (failures - 1));
      onUnreachable(error, waitMs);
      return timer(waitMs, scheduler);
    },
  });
}
