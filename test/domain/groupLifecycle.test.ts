import { describe, expect, it } from 'vitest';
import {
  decideAfterFailure,
  decideTimeouts,
  evolveGroup,
  foldGroup,
  IllegalTransitionError,
  type GroupEvent,
} from '../../src/domain/groupLifecycle.js';

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

  it('times out an incomplete group and expires an abandoned lease', () => {
    const collecting = foldGroup([opened, sb(1)])!;
    expect(decideTimeouts(collecting, new Date(t(119)))).toEqual([]);
    const [timedOut] = decideTimeouts(collecting, new Date(t(120)));
    expect(timedOut).toMatchObject({ type: 'GroupCollectTimedOut', payload: { missingSubbands: [0] } });
    expect(evolveGroup(collecting, timedOut!)).toMatchObject({ status: 'failed', lastError: 'incomplete: missing subbands 0' });

    const leased = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started])!;
    expect(decideTimeouts(leased, new Date(t(69)))).toEqual([]);
    const [expired] = decideTimeouts(leased, new Date(t(70)));
    expect(evolveGroup(leased, expired!)).toMatchObject({ status: 'pending', lease: null, attempts: 1 });
  });

  it('lets an operator reprocess a completed group from a chosen stage', () => {
    const done = foldGroup([opened, sb(0), sb(1), ready, claimed(1), started, { type: 'GroupProcessed', time: t(40), payload: { groupId: id } }]);
    const again = evolveGroup(done, { type: 'ReprocessRequested', time: t(50), payload: { groupId: id, fromStage: 'image', operator: 'ops', reason: 'new beam model' } });
    expect(again).toMatchObject({ status: 'pending', attempts: 0, resumeFrom: 'image' });
    expect(evolveGroup(evolveGroup(again, claimed(1)), started).resumeFrom).toBeNull();
  });
});
