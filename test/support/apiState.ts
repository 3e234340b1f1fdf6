import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApi, type ApiOptions } from '../../src/api/buildApi.js';
import { openState } from '../../src/cli/state.js';
import { loadConfig } from '../../src/config/config.js';
import { decideForGroup } from '../../src/domain/groupCommands.js';
import type { GroupEvent } from '../../src/domain/groupLifecycle.js';
import { collectedGroup, groupBatches, groupId } from './groupEvents.js';

export const API_TOKEN = 'test-token-0123456789abcdef';
const T = '2026-11-24T00:00:00Z';

/** Groups 0-5 completed, 6-7 pending, 8 failed (not retryable), 9 collecting with 2 of 16 subbands. */
export const FIXTURE = {
  completed: [0, 1, 2, 3, 4, 5].map(groupId),
  pending: [6, 7].map(groupId),
  failed: groupId(8),
  collecting: groupId(9),
};

/**
 * A real SQLite state under a fresh data directory, filled through the domain's command path the
 * way the pipeline fills it, with the read models caught up; and an API over it.
 */
export async function apiFixture(options: Partial<Pick<ApiOptions, 'heartbeatMs' | 'maxBufferedBytes'>> & { token?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'contimg-api-'));
  const env: Record<string, string> = { CONTIMG_DATA: dir, CONTIMG_EVENT_LOG_SYNCHRONOUS: 'normal' };
  if (options.token !== false) env['CONTIMG_API_TOKEN'] = API_TOKEN;
  const { config } = loadConfig({ env, cwd: dir });
  const state = openState(config);
  const append = (id: string, events: readonly GroupEvent[]) => decideForGroup(state.log, id, () => events);
  for (const id of FIXTURE.completed) for (const batch of groupBatches(id, T, 'worker-1')) await append(id, batch);
  for (const id of FIXTURE.pending) await append(id, collectedGroup(id, T));
  const failed = FIXTURE.failed;
  const [claim, run] = groupBatches(failed, T, 'worker-1').slice(1, 3);
  await append(failed, collectedGroup(failed, T));
  await append(failed, [...claim!, run![0]!]);
  await append(failed, [
    { type: 'StageFailed', time: T, payload: { groupId: failed, stage: 'convert', attempt: 1, error: { message: 'disk full' }, retryable: false, durationMs: 1200 } },
  ]);
  await append(FIXTURE.collecting, collectedGroup(FIXTURE.collecting, T).slice(0, 3));
  await state.readModels.catchUp(state.log);
  const app = buildApi({ log: state.log, readModels: state.readModels, config, logger: pino({ level: 'silent' }), ...options });
  return {
    app,
    state,
    async close() {
      await app.close();
      await state.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
