import { describe, expect, it } from 'vitest';
import {
  decideAfterFailure,
  evolveGroup,
  foldGroup,
  IllegalTransitionError,
  type GroupEvent,
} from '../../src/domain/groupLifecycle.js';
import { decideClaim, decideDegradation, decideLeaseRelease, isDegraded, decideRenewal, decideStageFailure, processingMode, remainingStages, subbandPaths } from '../../src/domain/processing.js';

const id = '2026-11-24T08:00:00';
const t = (s: number) => new Date(Date.UTC(2026, 10, 24, 8, 0, s)).toISOString();
const opened: GroupEvent = { type: 'GroupOpened', time: t(0), payload: { groupId: id, expectedSubbands: 2, collectDeadline: t(120) } };
const sb = (subband: number): GroupEvent => ({ type: 'SubbandArrived', time: t(1 + subband), payload: { groupId: id, subband, path: `/in/${subband}`, sizeBytes: 1, mtime: t(0) } });
const ready: GroupEvent = { type: 'GroupReady', time: t(5), payload: { groupId: id, subbands: 2 } };
const claimed = (attempt: number, workerId = 'w1'): GroupEvent => ({ type: 'GroupClaimed', time: t(10), payload: { groupId: id, workerId, leaseExpiresAt: t(70), attempt } });
const started: GroupEvent = { type: 'ProcessingStarted', time: t(11), payload: { groupId: id, mode: 'fresh', fromStage: 'convert' } };
const stage = (type: 'StageStarted' | 'StageCompleted', s: 'convert' | 'image'): GroupEvent =>
  type === 'StageStarted'
    ? { type, time: t(12), payload: { groupId: id, stage: s, attempt: 1 } }
    : { type, time: t(20), payload: { groupId: id, stage: s, attempt: 1, durationMs: 8000 } };
const failed = (retryable: boolean): GroupEvent => ({
  type: 'StageFailed',
  time: t(30),
  payload: { groupId: id, stage: 'convert', attempt: 1, error: { message: 'disk full' }, retryable, durationMs: 100 },
});

describe('group lifecycle', () => {
  it('collects subbands, becomes pending, is claimed, processed and completed', () => {
    const group = foldGroup([opened, sb(1), sb(0), ready, claimed(1), started, stage('StageStarted', 'convert'), stage('StageCompleted', 'convert')]);
    expect(group).toMatchObject({ status: 'processing_fresh', subbands: [0, 1], attempts: 1, lastCompletedStage: 'convert', currentStage: null });
    expect(evolveGroup(group, { type: 'GroupProcessed', time: t(40), payload: { groupId: id } })).toMatchObject({ status: 'completed', lease: null });
  });

  it.each([
    ['a subband twice', [opened, sb(0)], sb(0), /subband 0 already arrived/],
    ['ready before every subband', [opened, sb(0)], ready, /1\/2 subbands present/],
    ['a claim of a collecting group', [opened], claimed(1), /allowed only when pending/],
    ['an attempt out of order', [opened, sb(0), sb(1), ready], claimed(2), /attempt 2 does not follow 0/],
    ['a lease renewed by another worker', [opened, sb(0), sb(1), ready, claimed(1)], { type: 'LeaseRenewed', time: t(20), payload: { groupId: id, workerId: 'w9', leaseExpiresAt: t(99) } }, /held by w1, not w9/],
    ['completion with a stage still running', [opened, sb(0), sb(1), ready, claimed(1), started, stage('StageStarted', 'image')], { type: 'GroupProcessed', time: t(40), payload: { groupId: id } }, /stage image is still running/],
    ['events before the group opened', [], sb(0), /never opened/],
    ['a retry of a non-retryable failure', [opened, sb(0), sb(1), ready, claimed(1), started, failed(false)], { type: 'RetryScheduled', time: t(31), payload: { groupId: id, attempt: 1, notBefore: t(90) } }, /not retryable/],
  ] as [string, GroupEvent[], GroupEvent, RegExp][])('rejects %s and leaves the state unchanged', (_name, history, event, why) => {
    const before = foldGroup(history);
    const snapshot = structuredClone(before);
    expect(() => evolveGroup(before, event)).toThrow(IllegalTransitionError);
    expect(() => evolveGroup(before, event)).toThrow(why);
    expect(before).toEqual(snapshot);
  });

  it('retries a retryable failure with exponential backoff, then dead-letters it', () => {
    const policy = { maxAttempts: 3, backoffSeconds: 30 };
    let group = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started, failed(true)])!;
    const now = new Date(t(30));
    const retry = decideAfterFailure(group, policy, now);
    expect(retry).toMatchObject({ type: 'RetryScheduled', payload: { attempt: 1, notBefore: t(60) } });
    for (const attempt of [2, 3]) {
      group = [retry, claimed(attempt), started, failed(true)].reduce(evolveGroup, group);
      expect(group.attempts).toBe(attempt);
    }
    expect(decideAfterFailure(group, { ...policy, maxAttempts: 4 }, now)).toMatchObject({ payload: { notBefore: new Date(now.getTime() + 120_000).toISOString() } });
    const dead = decideAfterFailure(group, policy, now);
    expect(dead).toMatchObject({ type: 'GroupDeadLettered', payload: { attempts: 3, reason: 'gave up after 3 attempts: convert: disk full' } });
    expect(evolveGroup(group, dead).status).toBe('dead_lettered');
  });

  it('expires a lease that ran out, or whose holder is gone, and nothing else', () => {
    const leased = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started])!;
    const nobodyGone = () => false;
    expect(decideLeaseRelease(leased, nobodyGone, new Date(t(69)))).toEqual([]);
    const [expired] = decideLeaseRelease(leased, nobodyGone, new Date(t(70)));
    expect(evolveGroup(leased, expired!)).toMatchObject({ status: 'pending', lease: null, attempts: 1 });
    expect(decideLeaseRelease(leased, (worker) => worker === leased.lease!.workerId, new Date(t(31)))).toHaveLength(1);
    expect(decideLeaseRelease(foldGroup([opened, sb(0), sb(1), ready]), () => true, new Date(t(99)))).toEqual([]);
  });

  it('lets an operator reprocess a completed group from a chosen stage', () => {
    const done = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started, { type: 'GroupProcessed', time: t(40), payload: { groupId: id } }]);
    const again = evolveGroup(done, { type: 'ReprocessRequested', time: t(50), payload: { groupId: id, fromStage: 'image', operator: 'ops', reason: 'new beam model' } });
    expect(again).toMatchObject({ status: 'pending', attempts: 0, resumeFrom: 'image' });
    expect(evolveGroup(evolveGroup(again, claimed(1)), started).resumeFrom).toBeNull();
  });
});

describe('processing decisions', () => {
  const policy = { workerId: 'w1', leaseSeconds: 60 };
  const pipeline = ['convert', 'flag', 'image'] as const;
  const pending = foldGroup([opened, sb(0), sb(1), ready])!;

  it('claims a pending group once its retry time has come, with the next attempt and a lease', () => {
    expect(decideClaim(pending, policy, new Date(t(10)))).toEqual([claimed(1)]);
    expect(decideClaim(evolveGroup(pending, claimed(1)), policy, new Date(t(10)))).toEqual([]);
    const waiting = { ...pending, notBefore: t(40) };
    expect(decideClaim(waiting, policy, new Date(t(39)))).toEqual([]);
    expect(decideClaim(waiting, policy, new Date(t(40)))).toHaveLength(1);
  });

  it('renews only a lease it holds', () => {
    const leased = evolveGroup(pending, claimed(1));
    expect(decideRenewal(leased, policy, new Date(t(30)))[0]).toMatchObject({ type: 'LeaseRenewed', payload: { leaseExpiresAt: t(90) } });
    expect(decideRenewal(leased, { ...policy, workerId: 'w2' }, new Date(t(30)))).toEqual([]);
  });

  it('runs the stages after the last completed one, or from the one an operator asked for, even after a failed reprocess', () => {
    const running = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started])!;
    expect(remainingStages(running, pipeline)).toEqual(['convert', 'flag', 'image']);
    expect(processingMode(evolveGroup(pending, claimed(1)))).toBe('fresh');
    const converted = evolveGroup(evolveGroup(running, stage('StageStarted', 'convert')), stage('StageCompleted', 'convert'));
    expect(remainingStages(converted, pipeline)).toEqual(['flag', 'image']);
    expect(processingMode(converted)).toBe('resume');

    const done = evolveGroup(converted, { type: 'GroupProcessed', time: t(40), payload: { groupId: id } });
    const again = evolveGroup(done, { type: 'ReprocessRequested', time: t(50), payload: { groupId: id, fromStage: 'flag', operator: 'ops', reason: 'new strategy' } });
    expect(remainingStages(again, pipeline)).toEqual(['flag', 'image']);
    const rerun = evolveGroup(evolveGroup(again, claimed(1)), { type: 'ProcessingStarted', time: t(51), payload: { groupId: id, mode: 'resume', fromStage: 'flag' } });
    const flagStarted: GroupEvent = { type: 'StageStarted', time: t(52), payload: { groupId: id, stage: 'flag', attempt: 1 } };
    const flagFailed: GroupEvent = { type: 'StageFailed', time: t(53), payload: { groupId: id, stage: 'flag', attempt: 1, error: { message: 'x' }, retryable: true, durationMs: 1 } };
    const failedAgain = [flagStarted, flagFailed].reduce(evolveGroup, rerun);
    expect(remainingStages(failedAgain, pipeline)).toEqual(['flag', 'image']);
  });

  it('completes a claimed group whose stages were all done before a crash, but not one that never ran', () => {
    const converted = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started, stage('StageStarted', 'convert'), stage('StageCompleted', 'convert')])!;
    const reclaimed = [{ type: 'LeaseExpired', time: t(80), payload: { groupId: id, workerId: 'w1' } } as GroupEvent, claimed(2)].reduce(evolveGroup, converted);
    expect(remainingStages(reclaimed, ['convert'])).toEqual([]);
    expect(evolveGroup(reclaimed, { type: 'GroupProcessed', time: t(81), payload: { groupId: id } }).status).toBe('completed');
    expect(() => evolveGroup(evolveGroup(pending, claimed(1)), { type: 'GroupProcessed', time: t(81), payload: { groupId: id } })).toThrow(/no stage has completed/);
  });

  it('records a failure with what follows it in one decision', () => {
    const running = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started, stage('StageStarted', 'convert')])!;
    const failure = { stage: 'convert' as const, message: 'disk full', code: 'ENOSPC', durationMs: 5 };
    const retry = decideStageFailure(running, { ...failure, retryable: true }, { maxAttempts: 3, backoffSeconds: 10 }, new Date(t(30)));
    expect(retry.map((e) => e.type)).toEqual(['StageFailed', 'RetryScheduled']);
    expect(retry.reduce(evolveGroup, running)).toMatchObject({ status: 'pending', notBefore: t(40) });
    const dead = decideStageFailure(running, { ...failure, retryable: false }, { maxAttempts: 3, backoffSeconds: 10 }, new Date(t(30)));
    expect(dead.reduce(evolveGroup, running)).toMatchObject({ status: 'dead_lettered', lastError: 'not retryable: convert: disk full' });
  });

  it('degrades at the threshold, recovers at half of it, and never with a threshold of 0', () => {
    const now = new Date(t(0));
    expect(decideDegradation(false, 3, 4, now)).toEqual([]);
    const [degraded] = decideDegradation(false, 4, 4, now);
    expect(degraded).toMatchObject({ type: 'PipelineDegraded', payload: { backlog: 4, threshold: 4, imageMode: 'quick' } });
    expect(isDegraded([degraded!])).toBe(true);
    expect(decideDegradation(true, 3, 4, now)).toEqual([]);
    const [recovered] = decideDegradation(true, 2, 4, now);
    expect(recovered?.type).toBe('PipelineRecovered');
    expect(isDegraded([degraded!, recovered!])).toBe(false);
    expect(decideDegradation(false, 100, 0, now)).toEqual([]);
  });

  it('lists the subband files in subband order', () => {
    expect(subbandPaths([opened, sb(1), sb(0)])).toEqual(['/in/0', '/in/1']);
  });
});
