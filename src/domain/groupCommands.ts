import { ConcurrencyError } from '../eventlog/errors.js';
import type { AppendResult, EventLog } from '../eventlog/eventLog.js';
import type { NewEvent, StoredEvent } from '../eventlog/event.js';
import { evolveGroup, isGroupEventType, type Group, type GroupEvent } from './groupLifecycle.js';

const MAX_CONFLICT_RETRIES = 5;

/** A group's current state and its stream version, folded from the log. */
export async function loadGroup(log: EventLog, groupId: string): Promise<{ group: Group | undefined; version: number }> {
  const history = await log.readStream(groupId);
  return { group: foldStream(history), version: history.length };
}

function foldStream(history: readonly StoredEvent[]): Group | undefined {
  return history.filter(isGroupStoredEvent).reduce<Group | undefined>(evolveGroup, undefined);
}

/**
 * Reads a group, asks `decide` what happens next (given its state and its stream's history),
 * checks every decided lifecycle event against the state machine and appends them (with any
 * product events of the group's stream, such as MsWritten) with the version it read. On a concurrent append it reads and decides again. Illegal transitions throw before
 * anything is written. Resolves to null when `decide` decides nothing.
 */
export async function decideForGroup(
  log: EventLog,
  groupId: string,
  decide: (group: Group | undefined, history: readonly StoredEvent[]) => readonly (GroupEvent | NewEvent)[],
): Promise<AppendResult | null> {
  for (let attempt = 0; ; attempt++) {
    const history = await log.readStream(groupId);
    const group = foldStream(history);
    const events = decide(group, history);
    if (events.length === 0) return null;
    events.filter(isGroupEvent).reduce<Group | undefined>(evolveGroup, group);
    try {
      return await log.append(groupId, events, history.length);
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

function isGroupEvent(event: GroupEvent | NewEvent): event is GroupEvent {
  return isGroupEventType(event.type);
}

function isGroupStoredEvent(event: StoredEvent): event is StoredEvent & GroupEvent {
  return isGroupEventType(event.type);
}
