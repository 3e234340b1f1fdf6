import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contimg, startContimg } from '../support/cli.js';
import { eventsOf, headOf, waitForEvents } from '../support/dataLog.js';
import { comparableReadModels } from '../support/readModels.js';

const dir = mkdtempSync(join(tmpdir(), 'contimg-pipeline-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = {
  CONTIMG_INGEST_EXPECTED_SUBBANDS: '4',
  CONTIMG_INGEST_STABLE_MS: '200',
  CONTIMG_INGEST_READ_RETRY_MS: '100',
  CONTIMG_PROCESS_RETRY_BACKOFF_SECONDS: '0',
  CONTIMG_LOG_LEVEL: 'warn',
  CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply',
};
const KILLS = 20;
const GROUPS = 6;

/** Seeded draws in [0, 1), so a failure names the seed that reproduces it. */
function draws(seed: number, n: number): number[] {
  let state = seed;
  return Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  });
}

async function runToIdle(incoming: string, data: string) {
  const run = startContimg(['--data', data, 'run', '--incoming', incoming, '--until-idle'], env);
  expect(await run.exited, run.stderr()).toBe(0);
}

describe('contimg run killed anywhere', () => {
  it(`completes every group exactly once after ${KILLS} SIGKILLs at random points, with the read models of an uninterrupted run`, async () => {
    const incoming = join(dir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    const sim = await contimg(['simulate', '--out', incoming, '--truth-dir', join(dir, 'truth'), '--groups', String(GROUPS), '--subbands', '4', '--antennas', '24', '--channels', '32', '--integrations', '12']);
    expect(sim.code, sim.stderr).toBe(0);

    const reference = join(dir, 'reference');
    await runToIdle(incoming, reference);

    // Each run is killed after a random number of new events (or once it has gone quiet), so the
    // kills land at random points of ingest and processing rather than at random wall times.
    const crashed = join(dir, 'crashed');
    const seed = 20261124;
    let midGroup = 0;
    for (const [i, draw] of draws(seed, KILLS).entries()) {
      const run = startContimg(['--data', crashed, 'run', '--incoming', incoming], env);
      const eventsBeforeKill = 1 + Math.floor(draw * 14);
      const seen = await waitForEvents(crashed, (events) => events.length >= eventsBeforeKill, { after: await headOf(crashed), settleAfterMs: 5_000, timeoutMs: 30_000 });
      run.child.kill('SIGKILL');
      const code = await run.exited;
      expect(code, `kill ${i} (seed ${seed}, after ${seen.length} events): exited on its own\n${run.stderr()}`).toBeNull();
      if (seen.some((e) => e.type === 'StageStarted' || e.type === 'GroupClaimed' || e.type === 'StageProgress')) midGroup++;
    }
    expect(midGroup, 'kills that landed while a group was being processed').toBeGreaterThanOrEqual(KILLS / 2);
    await runToIdle(incoming, crashed);

    const events = await eventsOf(crashed);
    const perGroup = (type: string) => {
      const counts = new Map<string, number>();
      for (const e of events) if (e.type === type) counts.set(e.stream, (counts.get(e.stream) ?? 0) + 1);
      return counts;
    };
    const processed = perGroup('GroupProcessed');
    expect(processed.size).toBe(GROUPS);
    // once each, and once more for a group sent back to re-apply a calibration that landed later
    const reprocessed = perGroup('ReprocessRequested');
    for (const [id, n] of processed) expect(n, id).toBe(1 + (reprocessed.get(id) ?? 0));
    expect(perGroup('GroupOpened').size).toBe(GROUPS);
    expect(events.filter((e) => e.type === 'FileQuarantined')).toEqual([]);

    expect(readdirSync(join(crashed, 'ms')).sort()).toEqual(readdirSync(join(reference, 'ms')).sort());
    expect(comparableReadModels(crashed)).toEqual(comparableReadModels(reference));
    expect((await contimg(['--data', crashed, 'replay', '--verify'])).code).toBe(0);
  }, 600_000);
});
