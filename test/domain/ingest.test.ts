import { describe, expect, it } from 'vitest';
import { evolveGroup, foldGroup, type GroupEvent } from '../../src/domain/groupLifecycle.js';
import { decideIngest, type GroupDecision } from '../../src/domain/ingest.js';
import { parseSubbandName } from '../../src/domain/subbandFile.js';

const groupId = '2026-11-24T08:15:00';
const time = '2026-11-24T08:20:00.000Z';
const file = (subband: number, dir = '/incoming') => ({ path: `${dir}/2026-11-24T08:15:0${subband}_sb0${subband}.hdf5`, sizeBytes: 100, mtimeMs: 0 });
const arrived = (subband: number, open = false, dir?: string): GroupDecision => ({
  kind: 'arrived',
  groupId,
  subband,
  file: file(subband, dir),
  ...(open ? { open: { expectedSubbands: 3, collectDeadline: '2026-11-24T08:30:00.000Z' } } : {}),
});

/** Applies a decision to a group as the pipeline does, returning the new state and the outcome. */
function step(events: GroupEvent[], decision: GroupDecision, recordedPath?: string) {
  const outcome = decideIngest(decision, foldGroup(events), time, recordedPath);
  return { outcome, events: [...events, ...outcome.events] };
}

describe('ingest decisions', () => {
  it('opens a group with its first file and makes it pending with its last, in the same batch', () => {
    let { events, outcome } = step([], arrived(1, true));
    expect(outcome.events.map((e) => e.type)).toEqual(['GroupOpened', 'SubbandArrived']);
    ({ events } = step(events, arrived(0)));
    ({ events, outcome } = step(events, arrived(2)));
    expect(outcome.events.map((e) => e.type)).toEqual(['SubbandArrived', 'GroupReady']);
    expect(foldGroup(events)).toMatchObject({ status: 'pending', subbands: [0, 1, 2] });
  });

  it('ignores a rescanned file and quarantines a second file for the same subband', () => {
    const { events } = step([], arrived(1, true));
    expect(step(events, arrived(1, true), file(1).path).outcome).toEqual({ events: [] });
    expect(step(events, arrived(1, false, '/incoming/copy'), file(1).path).outcome).toEqual({
      events: [],
      quarantine: `a second file for subband 1 of group ${groupId} (first: ${file(1).path})`,
    });
    expect(step(events, arrived(7)).outcome.quarantine).toBe('subband 7 is beyond the 3 expected');
  });

  it('times out only a group still collecting, and records a subband arriving after that as late', () => {
    const { events } = step([], arrived(0, true));
    const timedOut = step(events, { kind: 'timeout', groupId });
    expect(timedOut.outcome.events).toEqual([{ type: 'GroupCollectTimedOut', time, payload: { groupId, missingSubbands: [1, 2] } }]);
    const late = step(timedOut.events, arrived(2));
    expect(late.outcome.events.map((e) => e.type)).toEqual(['SubbandLate']);
    expect(foldGroup(late.events)?.status).toBe('failed');
    const complete = [arrived(1), arrived(2)].reduce((acc, d) => step(acc, d).events, events);
    expect(step(complete, { kind: 'timeout', groupId }).outcome.events).toEqual([]);
    expect(() => evolveGroup(foldGroup(events), late.outcome.events[0]!)).toThrow(/still collecting/);
  });

  it('parses correlator file names and explains junk ones', () => {
    expect(parseSubbandName('2026-11-24T08:15:03_sb05.hdf5')).toEqual({ timestamp: '2026-11-24T08:15:03', timeMs: Date.UTC(2026, 10, 24, 8, 15, 3), subband: 5 });
    expect(parseSubbandName('2026-11-24T08:15:03_sb05.hdf5.tmp')).toMatch(/is not YYYY-MM-DDTHH:MM:SS_sbNN.hdf5/);
    expect(parseSubbandName('2026-02-30T08:15:03_sb05.hdf5')).toMatch(/impossible timestamp/);
    expect(parseSubbandName('../../etc/passwd')).toMatch(/is not/);
  });
});
