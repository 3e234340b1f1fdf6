import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY, filter, firstValueFrom, scan, take, throwError, timeout, type Observable } from 'rxjs';
import type { StoredEvent } from '../../src/eventlog/event.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';

/**
 * Follows the event log of a data directory that another process appends to, from `after`, until
 * `done` holds for the events seen. Without `settleAfterMs`, rejects after `timeoutMs`. With it,
 * resolves with whatever has arrived once the log has been quiet that long after an event, or
 * `timeoutMs` without any: a quiet spell counts from the writer's first sign of life, so a writer
 * slow to start on a loaded machine is not mistaken for an idle one.
 */
export async function waitForEvents(
  data: string,
  done: (events: StoredEvent[]) => boolean,
  { after, settleAfterMs, timeoutMs = 60_000 }: { after?: number; settleAfterMs?: number; timeoutMs?: number } = {},
): Promise<StoredEvent[]> {
  mkdirSync(join(data, 'state'), { recursive: true });
  const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'), { synchronous: 'normal' });
  try {
    const start = after ?? 0;
    const matching = (batches$: Observable<readonly StoredEvent[]>) =>
      batches$.pipe(
        scan((all: StoredEvent[], batch) => [...all, ...batch], []),
        filter(done),
        take(1),
      );
    if (settleAfterMs === undefined) {
      return await firstValueFrom(
        matching(log.follow(start)).pipe(timeout({ first: timeoutMs, with: () => throwError(() => new Error(`no matching events in ${data} within ${timeoutMs} ms`)) })),
      );
    }
    const untilQuiet$ = log.follow(start).pipe(timeout({ first: timeoutMs, each: settleAfterMs, with: () => EMPTY }));
    return await firstValueFrom(matching(untilQuiet$), { defaultValue: undefined }) ?? log.readSync({ after: start, limit: 100_000 });
  } finally {
    await log.close();
  }
}

/** The head of a data directory's log (0 before it exists). */
export async function headOf(data: string): Promise<number> {
  mkdirSync(join(data, 'state'), { recursive: true });
  const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'), { synchronous: 'normal', watchOtherProcesses: false });
  try {
    return log.headSync();
  } finally {
    await log.close();
  }
}

/** Every event in a data directory's log, once the process writing it is done. */
export async function eventsOf(data: string): Promise<StoredEvent[]> {
  const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'), { watchOtherProcesses: false });
  try {
    return log.readSync({ after: 0, limit: 1_000_000 });
  } finally {
    await log.close();
  }
}

/** The events of one type, typed as such. */
export const ofType = <T extends StoredEvent['type']>(events: readonly StoredEvent[], type: T) =>
  events.filter((e): e is Extract<StoredEvent, { type: T }> => e.type === type);
