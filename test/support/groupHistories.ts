import fc from 'fast-check';
import { evolveGroup, type Group, type GroupEvent } from '../../src/domain/groupLifecycle.js';
import type { Stage } from '../../src/eventlog/schema.js';
import { groupId } from './groupEvents.js';

const SUBBANDS = 4;
const STAGES: readonly Stage[] = ['convert', 'flag', 'solve', 'apply', 'image'];

/**
 * Plausible next events for a group, legal or not: every event type with payloads shaped by the
 * group's state (the next subband, the next attempt, the running stage, a stranger's lease...).
 */
export function candidateEvents(group: Group | undefined, id: string, time: string, pick: number): GroupEvent[] {
  const next = Array.from({ length: SUBBANDS }, (_, i) => i).find((i) => !group?.subbands.includes(i)) ?? 0;
  const attempt = (group?.attempts ?? 0) + 1;
  const stage = group?.currentStage ?? STAGES[pick % STAGES.length]!;
  const worker = pick % 5 === 0 ? 'w2' : 'w1';
  const groupId = id;
  const e = <T extends GroupEvent['type']>(type: T, payload: Extract<GroupEvent, { type: T }>['payload']) => ({ type, time, payload }) as GroupEvent;
  return [
    e('GroupOpened', { groupId, expectedSubbands: SUBBANDS, collectDeadline: time }),
    e('SubbandArrived', { groupId, subband: pick % 3 === 0 ? (pick % SUBBANDS) : next, path: `/in/${id}_sb0${next}.hdf5`, sizeBytes: 1000 + next, mtime: time }),
    e('GroupReady', { groupId, subbands: SUBBANDS }),
    e('SubbandLate', { groupId, subband: next, path: `/in/${id}_sb0${next}.late.hdf5`, sizeBytes: 1 }),
    e('GroupCollectTimedOut', { groupId, missingSubbands: [next] }),
    e('GroupClaimed', { groupId, workerId: worker, leaseExpiresAt: time, attempt: pick % 7 === 0 ? attempt + 1 : attempt }),
    e('LeaseRenewed', { groupId, workerId: worker, leaseExpiresAt: time }),
    e('LeaseExpired', { groupId, workerId: worker }),
    e('ProcessingStarted', { groupId, mode: pick % 2 === 0 ? 'fresh' : 'resume', fromStage: 'convert' }),
    e('StageStarted', { groupId, stage, attempt: Math.max(1, attempt - 1) }),
    e('StageProgress', { groupId, stage, fraction: (pick % 10) / 10 }),
    e('StageCompleted', { groupId, stage, attempt: Math.max(1, attempt - 1), durationMs: 100 + (pick % 1000) }),
    e('StageFailed', { groupId, stage, attempt: Math.max(1, attempt - 1), error: { message: 'WSClean exited with code 1' }, retryable: pick % 3 !== 0, durationMs: pick % 500 }),
    e('GroupProcessed', { groupId }),
    e('RetryScheduled', { groupId, attempt: Math.max(1, attempt - 1), notBefore: time }),
    e('GroupDeadLettered', { groupId, attempts: attempt - 1, reason: 'gave up' }),
    e('ReprocessRequested', { groupId, fromStage: 'image', operator: 'night-shift', reason: 'new calibration' }),
  ];
}

export function isLegal(group: Group | undefined, event: GroupEvent): boolean {
  try {
    evolveGroup(group, event);
    return true;
  } catch {
    return false;
  }
}

const SETBACKS: ReadonlySet<GroupEvent['type']> = new Set(['GroupCollectTimedOut', 'GroupDeadLettered', 'StageFailed', 'LeaseExpired']);

export interface HistoryStep {
  readonly stream: string;
  readonly event: GroupEvent;
}

/** Random valid histories over a few interleaved groups, built by always choosing a legal next event. */
export const arbitraryHistory = (maxSteps = 150) =>
  fc.array(fc.record({ group: fc.nat(3), pick: fc.nat(1_000_000) }), { minLength: maxSteps / 3, maxLength: maxSteps }).map((choices) => {
    const states = new Map<string, Group | undefined>();
    const steps: HistoryStep[] = [];
    choices.forEach(({ group, pick }, step) => {
      const id = groupId(group);
      const time = new Date(Date.UTC(2026, 10, 24, 8) + step * 1000).toISOString();
      const legal = candidateEvents(states.get(id), id, time, pick).filter((e) => isLegal(states.get(id), e));
      // setbacks are legal almost everywhere: take them rarely so histories also reach the late states
      const onward = legal.filter((e) => !SETBACKS.has(e.type));
      const choices = pick % 8 === 0 || onward.length === 0 ? legal : onward;
      const event = choices[pick % choices.length];
      if (!event) return;
      states.set(id, evolveGroup(states.get(id), event));
      steps.push({ stream: id, event });
    });
    return { steps, states };
  });
