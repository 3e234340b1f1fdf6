/**
 * The life of one observation group, as a pure state machine over the events of its stream:
 *
 * ```
 * collecting ─► pending ─► in_progress ─► processing_fresh | resuming ─► completed
 *     │            ▲  │          │                  │
 *     │            │  │          └── lease expired ─┤──────────► pending
 *     ▼            │  ▼                             ▼
 *   failed ◄───────┼──────────────────────────── failed ─► pending (retry) | dead_lettered
 * ```
 * An operator's reprocess request returns a finished, failed or dead-lettered group to pending.
 * Anything else is an illegal transition: `evolveGroup` throws and the state stays as it was.
 */
import type { EventOf } from '../eventlog/event.js';
import { STAGES, type Stage } from '../eventlog/schema.js';

export const GROUP_STATUSES = [
  'collecting',
  'pending',
  'in_progress',
  'processing_fresh',
  'resuming',
  'completed',
  'failed',
  'dead_lettered',
] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

export const GROUP_EVENT_TYPES = [
  'GroupOpened',
  'SubbandArrived',
  'GroupReady',
  'SubbandLate',
  'GroupCollectTimedOut',
  'GroupClaimed',
  'LeaseRenewed',
  'LeaseExpired',
  'ProcessingStarted',
  'StageStarted',
  'StageProgress',
  'StageCompleted',
  'StageFailed',
  'GroupProcessed',
  'RetryScheduled',
  'GroupDeadLettered',
  'ReprocessRequested',
] as const;
export type GroupEventType = (typeof GROUP_EVENT_TYPES)[number];
export type GroupEvent = EventOf<GroupEventType> & { readonly time: string };

export interface Lease {
  readonly workerId: string;
  readonly expiresAt: string;
}

export interface Group {
  readonly groupId: string;
  readonly status: GroupStatus;
  readonly expectedSubbands: number;
  /** Subband indices present, ascending. */
  readonly subbands: readonly number[];
  readonly openedAt: string;
  readonly collectDeadline: string;
  readonly readyAt: string | null;
  /** Claims so far; each claim is one attempt. */
  readonly attempts: number;
  readonly lease: Lease | null;
  readonly currentStage: Stage | null;
  readonly lastCompletedStage: Stage | null;
  /** The stage the next processing run starts from (set by a reprocess request). */
  readonly resumeFrom: Stage | null;
  readonly notBefore: string | null;
  readonly lastError: string | null;
  readonly retryable: boolean;
  readonly updatedAt: string;
}

export class IllegalTransitionError extends Error {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(groupId: string, status: GroupStatus | 'absent', eventType: string, why: string) {
    super(`group ${groupId}: ${eventType} is not allowed when the group is ${status} (${why})`);
    this.name = 'IllegalTransitionError';
  }
}

const PROCESSING: readonly GroupStatus[] = ['processing_fresh', 'resuming'];
/** Statuses in which a worker holds the group's lease. */
export const LEASED_STATUSES: readonly GroupStatus[] = ['in_progress', ...PROCESSING];

export function isGroupEventType(type: string): type is GroupEventType {
  return (GROUP_EVENT_TYPES as readonly string[]).includes(type);
}

/** The group's state after `event`; throws IllegalTransitionError and changes nothing otherwise. */
export function evolveGroup(group: Group | undefined, event: GroupEvent): Group {
  const fail = (why: string): never => {
    throw new IllegalTransitionError(event.payload.groupId, group?.status ?? 'absent', event.type, why);
  };
  if (event.type === 'GroupOpened') {
    if (group) fail('the group is already open');
    const { groupId, expectedSubbands, collectDeadline } = event.payload;
    return {
      groupId,
      status: 'collecting',
      expectedSubbands,
      subbands: [],
      openedAt: event.time,
      collectDeadline,
      readyAt: null,
      attempts: 0,
      lease: null,
      currentStage: null,
      lastCompletedStage: null,
      resumeFrom: null,
      notBefore: null,
      lastError: null,
      retryable: false,
      updatedAt: event.time,
    };
  }
  if (!group) return fail('the group was never opened');
  if (group.groupId !== event.payload.groupId) fail(`the event names group ${event.payload.groupId}`);
  const requireStatus = (...allowed: readonly GroupStatus[]) => {
    if (!allowed.includes(group.status)) fail(`allowed only when ${allowed.join(' or ')}`);
  };
  const requireLeaseHolder = (workerId: string) => {
    if (group.lease?.workerId !== workerId) fail(`the lease is held by ${group.lease?.workerId ?? 'nobody'}, not ${workerId}`);
  };
  const next = (changes: Partial<Group>): Group => ({ ...group, ...changes, updatedAt: event.time });

  switch (event.type) {
    case 'SubbandArrived': {
      requireStatus('collecting');
      const { subband } = event.payload;
      if (subband >= group.expectedSubbands) fail(`subband ${subband} is beyond the ${group.expectedSubbands} expected`);
      if (group.subbands.includes(subband)) fail(`subband ${subband} already arrived`);
      return next({ subbands: [...group.subbands, subband].sort((a, b) => a - b) });
    }
    case 'GroupReady':
      requireStatus('collecting');
      if (group.subbands.length !== group.expectedSubbands) fail(`${group.subbands.length}/${group.expectedSubbands} subbands present`);
      return next({ status: 'pending', readyAt: event.time });
    case 'SubbandLate':
      if (group.status === 'collecting') fail('the group is still collecting: the subband is not late');
      return group;
    case 'GroupCollectTimedOut':
      requireStatus('collecting');
      return next({ status: 'failed', lastError: `incomplete: missing subbands ${event.payload.missingSubbands.join(', ')}`, retryable: false });
    case 'GroupClaimed':
      requireStatus('pending');
      if (event.payload.attempt !== group.attempts + 1) fail(`attempt ${event.payload.attempt} does not follow ${group.attempts}`);
      return next({
        status: 'in_progress',
        attempts: event.payload.attempt,
        lease: { workerId: event.payload.workerId, expiresAt: event.payload.leaseExpiresAt },
        notBefore: null,
      });
    case 'LeaseRenewed':
      requireStatus(...LEASED_STATUSES);
      requireLeaseHolder(event.payload.workerId);
      return next({ lease: { workerId: event.payload.workerId, expiresAt: event.payload.leaseExpiresAt } });
    case 'LeaseExpired':
      requireStatus(...LEASED_STATUSES);
      requireLeaseHolder(event.payload.workerId);
      return next({ status: 'pending', lease: null, currentStage: null });
    case 'ProcessingStarted': {
      requireStatus('in_progress');
      // Completion is counted again from the stage this run starts at.
      const before = STAGES[STAGES.indexOf(event.payload.fromStage) - 1] ?? null;
      return next({ status: event.payload.mode === 'fresh' ? 'processing_fresh' : 'resuming', resumeFrom: null, lastCompletedStage: before });
    }
    case 'StageStarted':
      requireStatus(...PROCESSING);
      return next({ currentStage: event.payload.stage });
    case 'StageProgress':
      requireStatus(...PROCESSING);
      if (group.currentStage !== event.payload.stage) fail(`stage ${event.payload.stage} is not running`);
      return next({});
    case 'StageCompleted':
      requireStatus(...PROCESSING);
      if (group.currentStage !== event.payload.stage) fail(`stage ${event.payload.stage} is not running`);
      return next({ currentStage: null, lastCompletedStage: event.payload.stage });
    case 'StageFailed':
      requireStatus(...PROCESSING);
      return next({
        status: 'failed',
        lease: null,
        currentStage: null,
        lastError: `${event.payload.stage}: ${event.payload.error.message}`,
        retryable: event.payload.retryable,
      });
    case 'GroupProcessed':
      // Also straight from a claim that finds every stage done (a crash came just before completion).
      requireStatus(...LEASED_STATUSES);
      if (group.currentStage !== null) fail(`stage ${group.currentStage} is still running`);
      if (group.status === 'in_progress' && group.lastCompletedStage === null) fail('no stage has completed');
      return next({ status: 'completed', lease: null });
    case 'RetryScheduled':
      requireStatus('failed');
      if (!group.retryable) fail('the failure is not retryable');
      return next({ status: 'pending', notBefore: event.payload.notBefore });
    case 'GroupDeadLettered':
      requireStatus('failed', 'pending');
      return next({ status: 'dead_lettered', lease: null, lastError: event.payload.reason });
    case 'ReprocessRequested':
      requireStatus('completed', 'failed', 'dead_lettered');
      if (group.subbands.length !== group.expectedSubbands) fail('the group never had all its subbands');
      return next({ status: 'pending', attempts: 0, resumeFrom: event.payload.fromStage, notBefore: null, lastError: null });
  }
}

/** Folds a stream's history into its current state (undefined for a stream never opened). */
export function foldGroup(events: readonly GroupEvent[]): Group | undefined {
  return events.reduce<Group | undefined>(evolveGroup, undefined);
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffSeconds: number;
}

/**
 * What follows a failure: a retry after exponential backoff while attempts remain and the failure
 * is retryable, otherwise the dead-letter queue.
 */
export function decideAfterFailure(group: Group, policy: RetryPolicy, now: Date): GroupEvent {
  const time = now.toISOString();
  const { groupId } = group;
  if (group.retryable && group.attempts < policy.maxAttempts) {
    const delayMs = policy.backoffSeconds * 1000 * 2 ** Math.max(0, group.attempts - 1);
    const notBefore = new Date(now.getTime() + delayMs).toISOString();
    return { type: 'RetryScheduled', time, payload: { groupId, attempt: group.attempts, notBefore } };
  }
  const reason = group.retryable
    ? `gave up after ${group.attempts} attempts: ${group.lastError ?? 'unknown error'}`
    : `not retryable: ${group.lastError ?? 'unknown error'}`;
  return { type: 'GroupDeadLettered', time, payload: { groupId, attempts: group.attempts, reason } };
}
