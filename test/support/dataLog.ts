import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { filter, firstValueFrom, of, scan, take, throwError, timeout } from 'rxjs';
import type { StoredEvent } from '../../src/eventlog/event.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';

/**
 * Follows the event log of a data directory that another process appends to, from `after`, until
 * `done` holds for the events seen. With `settleAfterMs`, resolves with whatever has arrived by
 * then; without, rejects after `timeoutMs`.
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
    const seen$ = log.follow(start).pipe(
      scan((all: StoredEvent[], batch) => [...all, ...batch], []),
      filter(done),
      take(1),
    );
    return await firstValueFrom(
      settleAfterMs === undefined
        ? seen$.pipe(timeout({ first: timeoutMs, with: () => throwError(() => new Error(`no matching events in ${data} within ${timeoutMs} ms`)) }))
        : seen$.pipe(timeout({ first: settleAfterMs, with: () => of(log.readSync({ after: start, limit: 100_000 })) })),
    );
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
