import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decideForGroup, loadGroup } from '../../src/domain/groupCommands.js';
import { IllegalTransitionError } from '../../src/domain/groupLifecycle.js';
import type { StoredEvent } from '../../src/eventlog/event.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { groupState } from '../../src/projections/groupQueue.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { checksums, rebuild } from '../../src/projections/replay.js';
import { arbitraryHistory, candidateEvents, isLegal, type HistoryStep } from '../support/groupHistories.js';

const root = mkdtempSync(join(tmpdir(), 'contimg-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

/** A fresh log holding the history, each step appended through the decider as the pipeline would. */
async function logWith(steps: readonly HistoryStep[]) {
  const dir = join(root, String(runs++));
  const log = new SqliteEventLog(join(dir, 'events.sqlite'), { synchronous: 'normal', watchOtherProcesses: false });
  for (const { stream, event } of steps) await decideForGroup(log, stream, () => [event]);
  return { dir, log };
}

describe('projections', () => {
  it('incremental projection, in any batching and with batches delivered twice, equals a replay from zero', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryHistory(), fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1 }), fc.boolean(), async ({ steps, states }, cuts, redeliver) => {
        const { dir, log } = await logWith(steps);
        const events = log.readSync({ after: 0, limit: 100_000 });
        const live = new ReadModelStore(join(dir, 'live.sqlite'), ALL_PROJECTIONS);
        let at = 0;
        const batches: StoredEvent[][] = [];
        for (let i = 0; at < events.length; i++) {
          const size = cuts[i % cuts.length]!;
          batches.push(events.slice(at, at + size));
          at += size;
        }
        for (const batch of batches) {
          live.applyBatch(batch);
          if (redeliver) live.applyBatch(batch);
        }
        const replayed = await rebuild(log, ALL_PROJECTIONS, join(dir, 'replayed.sqlite'));
        expect(checksums(live)).toEqual(checksums(replayed));
        for (const [id, state] of states) expect(groupState(live.db, id)).toEqual(state);
        live.close();
        replayed.close();
        await log.close();
      }),
      { numRuns: 60 },
    );
  });

  it('rejects an illegal transition before writing, leaving the log, the state and the read models unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryHistory(60), fc.nat(3), fc.nat(1_000_000), fc.nat(15), async ({ steps, states }, group, pick, which) => {
        const id = steps[group % Math.max(1, steps.length)]?.stream ?? '2026-11-24T00:00:00';
        const event = candidateEvents(states.get(id), id, '2026-11-24T09:00:00.000Z', pick)[which]!;
        fc.pre(!isLegal(states.get(id), event));
        const { dir, log } = await logWith(steps);
        const store = new ReadModelStore(join(dir, 'live.sqlite'), ALL_PROJECTIONS);
        await store.catchUp(log);
        const [head, before, sums] = [log.headSync(), await loadGroup(log, id), checksums(store)];
        await expect(decideForGroup(log, id, () => [event])).rejects.toBeInstanceOf(IllegalTransitionError);
        await store.catchUp(log);
        expect(log.headSync()).toBe(head);
        expect(await loadGroup(log, id)).toEqual(before);
        expect(checksums(store)).toEqual(sums);
        store.close();
        await log.close();
      }),
      { numRuns: 60 },
    );
  });
});
