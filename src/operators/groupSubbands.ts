import { asyncScheduler, Observable, Subscription, timer, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { IngestDecision } from '../domain/ingest.js';
import type { SubbandCandidate } from './subbandCandidate.js';

export interface GroupingPolicy {
  /** Files whose name timestamps lie within this of a group's anchor belong to it. */
  readonly toleranceMs: number;
  /** A group still incomplete this long after it opened has timed out. */
  readonly collectTimeoutMs: number;
  readonly expectedSubbands: number;
}

/** A group the log already knows: its id, and its deadline if it is still collecting. */
export interface KnownGroup {
  readonly groupId: string;
  readonly collectDeadline: string | null;
}

/**
 * Assigns each subband file to the group whose anchor (the timestamp of its first file, which is
 * also its id) lies within the tolerance of the file's timestamp, opening a group when none
 * does, and announces each group's collection deadline. Files with a problem go to quarantine.
 * Whether a file is new, a rescan, a duplicate or late is for the log to settle.
 *
 * ```
 * candidates: -a0--a1--------b0------   (a0, a1 seconds apart; b0 309 s later)
 * result:     -o---a---------o-----t-   (o = arrived + open, a = arrived, t = timeout of a)
 * ```
 * Completes when the source completes and every deadline has passed.
 *
 * @param known groups already in the log (restart): their anchors, and timers for those collecting
 */
export function groupSubbands(
  { toleranceMs, collectTimeoutMs, expectedSubbands }: GroupingPolicy,
  known: readonly KnownGroup[],
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<SubbandCandidate, IngestDecision> {
  return (source) =>
    new Observable<IngestDecision>((subscriber) => {
      const anchors = new Map<string, number>();
      const timers = new Subscription();
      let pendingTimers = 0;
      let sourceDone = false;
      const completeWhenDone = () => {
        if (sourceDone && pendingTimers === 0) subscriber.complete();
      };
      const armDeadline = (groupId: string, deadlineMs: number) => {
        pendingTimers++;
        timers.add(
          timer(Math.max(0, deadlineMs - scheduler.now()), scheduler).subscribe(() => {
            pendingTimers--;
            subscriber.next({ kind: 'timeout', groupId });
            completeWhenDone();
          }),
        );
      };
      for (const group of known) {
        anchors.set(group.groupId, Date.parse(`${group.groupId}Z`));
        if (group.collectDeadline !== null) armDeadline(group.groupId, Date.parse(group.collectDeadline));
      }
      const nearest = (timeMs: number) => {
        let best: string | undefined;
        let bestDistance = toleranceMs;
        for (const [groupId, anchorMs] of anchors) {
          const distance = Math.abs(timeMs - anchorMs);
          if (distance <= bestDistance) [best, bestDistance] = [groupId, distance];
        }
        return best;
      };
      const subscription = source.subscribe({
        next: ({ file, name, problem }) => {
          if (problem !== undefined) return subscriber.next({ kind: 'quarantine', file, reason: problem });
          const groupId = nearest(name.timeMs);
          if (groupId !== undefined) return subscriber.next({ kind: 'arrived', groupId, subband: name.subband, file });
          const deadlineMs = scheduler.now() + collectTimeoutMs;
          anchors.set(name.timestamp, name.timeMs);
          armDeadline(name.timestamp, deadlineMs);
          subscriber.next({
            kind: 'arrived',
            groupId: name.timestamp,
            subband: name.subband,
            file,
            open: { expectedSubbands, collectDeadline: new Date(deadlineMs).toISOString() },
          });
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          completeWhenDone();
        },
      });
      return () => {
        subscription.unsubscribe();
        timers.unsubscribe();
      };
    });
}
