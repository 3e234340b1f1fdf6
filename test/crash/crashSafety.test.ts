import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { verify } from '../../src/projections/replay.js';
import { groupBatches } from '../support/groupEvents.js';

const RUNS = 50;
const dir = mkdtempSync(join(tmpdir(), 'contimg-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stream lengths at which a group's batches end: any other length is a torn batch. */
const boundaries = groupBatches('2026-11-24T00:00:00', '2026-11-24T00:00:00Z', 'w').reduce<number[]>(
  (ends, batch) => [...ends, (ends.at(-1) ?? 0) + batch.length],
  [],
);

/** Starts the child, lets it work for `delayMs` after it says ready, then SIGKILLs it. */
function runAndKill(mode: 'append' | 'replay', delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crashChild.ts'), dir, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`the child stopped by itself before the kill:\n${stderr}`)),
    );
  });
}

describe('crash safety', () => {
  it(`leaves no torn batch and projections equal to a replay after ${RUNS} SIGKILLs at random points`, async () => {
    const delays = fc.sample(fc.integer({ min: 0, max: 300 }), { numRuns: RUNS, seed: 110 });
    let events = 0;
    for (const [run, delay] of delays.entries()) {
      await runAndKill(run % 6 === 5 ? 'replay' : 'append', delay);

      const log = new SqliteEventLog(join(dir, 'events.sqlite'), { watchOtherProcesses: false });
      const raw = new Database(join(dir, 'events.sqlite'), { readonly: true });
      const lengths = raw.prepare<[], { stream: string; n: number }>('SELECT stream, COUNT(*) AS n FROM events GROUP BY stream').all();
      raw.close();
      for (const { stream, n } of lengths) expect(boundaries, `stream ${stream} after run ${run}`).toContain(n);

      const store = new ReadModelStore(join(dir, 'readmodels.sqlite'), ALL_PROJECTIONS);
      const atCrash = await verify(log, store, join(dir, 'verify.sqlite'));
      expect(atCrash.differences, `after run ${run} (killed ${delay} ms in)`).toEqual([]);
      await store.catchUp(log);
      expect((await verify(log, store, join(dir, 'verify.sqlite'))).differences).toEqual([]);
      expect(store.position()).toBe(log.headSync());
      expect(log.headSync()).toBeGreaterThanOrEqual(events);
      events = log.headSync();
      store.close();
      await log.close();
    }
    expect(events, 'the children got real work done between kills').toBeGreaterThan(RUNS * 23);
  }, 600_000);
});
