/**
 * Ingest decisions: what the grouping operator concluded from a file arrival or a deadline, and
 * how each becomes events once checked against the group's state in the log (the truth).
 */
import type { Group, GroupEvent } from './groupLifecycle.js';

export interface ArrivedFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

export type IngestDecision =
  | { readonly kind: 'arrived'; readonly groupId: string; readonly subband: number; readonly file: ArrivedFile; readonly open?: { readonly expectedSubbands: number; readonly collectDeadline: string } }
  | { readonly kind: 'timeout'; readonly groupId: string }
  | { readonly kind: 'quarantine'; readonly file: ArrivedFile; readonly reason: string };

export type GroupDecision = Exclude<IngestDecision, { kind: 'quarantine' }>;

/** The outcome of a group decision: events to append, or a file to quarantine (a second file for a subband). */
export interface IngestOutcome {
  readonly events: readonly GroupEvent[];
  readonly quarantine?: string;
}

/**
 * Events for a decision given the group's state in the log (and the path already recorded for
 * the subband, if any). Idempotent: a decision already reflected in the log (a rescanned file, a
 * deadline passing after completion) yields nothing. A subband arriving after its group stopped
 * collecting is recorded as late.
 */
export function decideIngest(decision: GroupDecision, group: Group | undefined, time: string, subbandPath?: string): IngestOutcome {
  const { groupId } = decision;
  switch (decision.kind) {
    case 'arrived': {
      const { subband, file } = decision;
      const opened: GroupEvent[] =
        group || !decision.open ? [] : [{ type: 'GroupOpened', time, payload: { groupId, ...decision.open } }];
      const expected = group?.expectedSubbands ?? decision.open?.expectedSubbands ?? 0;
      if (group?.subbands.includes(subband)) {
        return subbandPath === file.path ? { events: [] } : { events: [], quarantine: `a second file for subband ${subband} of group ${groupId} (first: ${subbandPath ?? 'unknown'})` };
      }
      if (subband >= expected) return { events: [], quarantine: `subband ${subband} is beyond the ${expected} expected` };
      if (group && group.status !== 'collecting') {
        return { events: [{ type: 'SubbandLate', time, payload: { groupId, subband, path: file.path, sizeBytes: file.sizeBytes } }] };
      }
      const arrived: GroupEvent = {
        type: 'SubbandArrived',
        time,
        payload: { groupId, subband, path: file.path, sizeBytes: file.sizeBytes, mtime: new Date(file.mtimeMs).toISOString() },
      };
      const complete = (group?.subbands.length ?? 0) + 1 === expected;
      const ready: GroupEvent[] = complete ? [{ type: 'GroupReady', time, payload: { groupId, subbands: expected } }] : [];
      return { events: [...opened, arrived, ...ready] };
    }
    case 'timeout': {
      if (group?.status !== 'collecting') return { events: [] };
      const missingSubbands = Array.from({ length: group.expectedSubbands }, (_, i) => i).filter((i) => !group.subbands.includes(i));
      return { events: [{ type: 'GroupCollectTimedOut', time, payload: { groupId, missingSubbands } }] };
    }
  }
}
