/**
 * Decisions of the processing side of a group's life: who may claim it, in which mode it runs,
 * which stages are left, and what a stage's outcome appends. Pure: the runner supplies the time.
 */
import type { DomainEvent, NewEvent } from '../eventlog/event.js';
import { STAGES, type Stage } from '../eventlog/schema.js';
import { decideAfterFailure, evolveGroup, LEASED_STATUSES, type Group, type GroupEvent, type RetryPolicy } from './groupLifecycle.js';

export interface ClaimPolicy {
  readonly workerId: string;
  readonly leaseSeconds: number;
}

const leaseUntil = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

/** A pending group whose retry time has come is claimed; anything else decides nothing. */
export function decideClaim(group: Group | undefined, { workerId, leaseSeconds }: ClaimPolicy, now: Date): GroupEvent[] {
  if (!group || group.status !== 'pending') return [];
  if (group.notBefore !== null && Date.parse(group.notBefore) > now.getTime()) return [];
  const time = now.toISOString();
  return [{ type: 'GroupClaimed', time, payload: { groupId: group.groupId, workerId, leaseExpiresAt: leaseUntil(now, leaseSeconds), attempt: group.attempts + 1 } }];
}

/** Extends the lease while this worker still holds it; nothing once it has been lost. */
export function decideRenewal(group: Group | undefined, { workerId, leaseSeconds }: ClaimPolicy, now: Date): GroupEvent[] {
  if (!group?.lease || group.lease.workerId !== workerId) return [];
  return [{ type: 'LeaseRenewed', time: now.toISOString(), payload: { groupId: group.groupId, workerId, leaseExpiresAt: leaseUntil(now, leaseSeconds) } }];
}

/**
 * The stages a claimed group still has to run, in pipeline order: from an operator's requested
 * stage, else those after the last completed one.
 */
export function remainingStages(group: Group, pipeline: readonly Stage[]): Stage[] {
  const rank = (stage: Stage | null) => (stage === null ? -1 : STAGES.indexOf(stage));
  if (group.resumeFrom !== null) return pipeline.filter((s) => rank(s) >= rank(group.resumeFrom));
  return pipeline.filter((s) => rank(s) > rank(group.lastCompletedStage));
}

/** 'resume' when an earlier attempt may have left work behind, so stages replace leftovers. */
export function processingMode(group: Group): 'fresh' | 'resume' {
  return group.attempts > 1 || group.lastCompletedStage !== null ? 'resume' : 'fresh';
}

/** Subband file paths of the group, by subband index, from its SubbandArrived events. */
export function subbandPaths(history: readonly DomainEvent[]): string[] {
  const bySubband = new Map<number, string>();
  for (const event of history) if (event.type === 'SubbandArrived') bySubband.set(event.payload.subband, event.payload.path);
  return [...bySubband.entries()].sort(([a], [b]) => a - b).map(([, path]) => path);
}

/**
 * Releases a lease that has run out, or whose holder is known to be gone (a process of this host
 * that no longer runs), so that the group returns to pending and resumes.
 */
export function decideLeaseRelease(group: Group | undefined, holderGone: (workerId: string) => boolean, now: Date): GroupEvent[] {
  const lease = group?.lease;
  if (!group || !lease || !LEASED_STATUSES.includes(group.status)) return [];
  if (Date.parse(lease.expiresAt) > now.getTime() && !holderGone(lease.workerId)) return [];
  return [{ type: 'LeaseExpired', time: now.toISOString(), payload: { groupId: group.groupId, workerId: lease.workerId } }];
}

export interface StageFailure {
  readonly stage: Stage;
  readonly message: string;
  readonly code: string;
  readonly retryable: boolean;
  readonly durationMs: number;
}

/** A failed stage, then what follows from it: a retry after backoff or the dead-letter queue. */
export function decideStageFailure(group: Group, failure: StageFailure, policy: RetryPolicy, now: Date): GroupEvent[] {
  const { stage, message, code, retryable, durationMs } = failure;
  const failed: GroupEvent = {
    type: 'StageFailed',
    time: now.toISOString(),
    payload: { groupId: group.groupId, stage, attempt: group.attempts, error: { message: message.slice(0, 4096) || 'unknown error', code }, retryable, durationMs },
  };
  return [failed, decideAfterFailure(evolveGroup(group, failed), policy, now)];
}

/** The stream of pipeline-wide decisions (degradation). */
export const PIPELINE_STREAM = 'pipeline';

/** Whether the pipeline is degraded, from its stream's history. */
export function isDegraded(history: readonly DomainEvent[]): boolean {
  for (let i = history.length - 1; i >= 0; i--) {
    const { type } = history[i]!;
    if (type === 'PipelineDegraded') return true;
    if (type === 'PipelineRecovered') return false;
  }
  return false;
}

/**
 * Degrades (images in quick mode) once the backlog reaches `threshold` groups, and recovers once
 * it is down to half of that, so that it does not flap; a threshold of 0 never degrades.
 */
export function decideDegradation(degraded: boolean, backlog: number, threshold: number, now: Date): NewEvent[] {
  const time = now.toISOString();
  if (!degraded && threshold > 0 && backlog >= threshold) return [{ type: 'PipelineDegraded', time, payload: { backlog, threshold, imageMode: 'quick' } }];
  if (degraded && backlog <= Math.floor(threshold / 2)) return [{ type: 'PipelineRecovered', time, payload: { backlog, threshold } }];
  return [];
}
