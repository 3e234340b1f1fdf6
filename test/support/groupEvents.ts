import type { GroupEvent } from '../../src/domain/groupLifecycle.js';

/** A group's full collection: opened, every subband, ready; all at `time`. */
export function collectedGroup(groupId: string, time: string, subbands = 16): GroupEvent[] {
  return [
    { type: 'GroupOpened', time, payload: { groupId, expectedSubbands: subbands, collectDeadline: time } },
    ...Array.from({ length: subbands }, (_, subband): GroupEvent => ({
      type: 'SubbandArrived',
      time,
      payload: { groupId, subband, path: `/incoming/${groupId}_sb${String(subband).padStart(2, '0')}.hdf5`, sizeBytes: 145_000_000, mtime: time },
    })),
    { type: 'GroupReady', time, payload: { groupId, subbands } },
  ];
}

/** Group ids one 309-s cadence apart, from 2026-11-24T00:00:00. */
export function groupId(index: number): string {
  return new Date(Date.UTC(2026, 10, 24) + index * 309_000).toISOString().slice(0, 19);
}

/** One group written the way the pipeline writes it, batch by batch: collected, claimed, one stage, processed. */
export function groupBatches(id: string, time: string, workerId: string): GroupEvent[][] {
  const stage = { groupId: id, stage: 'convert' as const, attempt: 1 };
  return [
    collectedGroup(id, time),
    [
      { type: 'GroupClaimed', time, payload: { groupId: id, workerId, leaseExpiresAt: time, attempt: 1 } },
      { type: 'ProcessingStarted', time, payload: { groupId: id, mode: 'fresh', fromStage: 'convert' } },
    ],
    [
      { type: 'StageStarted', time, payload: stage },
      { type: 'StageCompleted', time, payload: { ...stage, durationMs: 4200 } },
    ],
    [{ type: 'GroupProcessed', time, payload: { groupId: id } }],
  ];
}
