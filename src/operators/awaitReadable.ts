import { catchError, defer, map, mergeMap, of, retry, timer, type Observable, type OperatorFunction, type SchedulerLike, asyncScheduler } from 'rxjs';
import type { SubbandCandidate } from './subbandCandidate.js';

export interface ReadablePolicy {
  /** Tries before the file is declared unreadable. */
  readonly attempts: number;
  /** Wait between tries (a file may still be settling). */
  readonly delayMs: number;
  /** Files checked at once. */
  readonly concurrency: number;
}

/**
 * Holds each candidate until `check` can read it (its HDF5 header, say), retrying a few times;
 * a file that never becomes readable passes on with the last error as its problem. Candidates
 * that already have a problem pass straight through.
 *
 * ```
 * candidates: -a-------b--
 * check(a):    #--#--ok        (attempts 3, delay 2)
 * result:     -------a---b'    (b' = b with problem "…")
 * ```
 */
export function awaitReadable(
  check: (candidate: SubbandCandidate) => Observable<unknown>,
  { attempts, delayMs, concurrency }: ReadablePolicy,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<SubbandCandidate, SubbandCandidate> {
  return mergeMap((candidate) => {
    if (candidate.problem !== undefined) return of(candidate);
    return defer(() => check(candidate)).pipe(
      retry({ count: attempts - 1, delay: () => timer(delayMs, scheduler) }),
      map(() => candidate),
      catchError((err: unknown) => of<SubbandCandidate>({ file: candidate.file, problem: `unreadable after ${attempts} tries: ${err instanceof Error ? err.message : String(err)}` })),
    );
  }, concurrency);
}
