import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { decideForGroup } from '../../src/domain/groupCommands.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { contimg } from '../support/cli.js';
import { groupBatches, groupId } from '../support/groupEvents.js';

const dir = mkdtempSync(join(tmpdir(), 'contimg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A data directory with a few groups in several states, projected as the pipeline would. */
async function makeDataDir(name: string, project = true): Promise<string> {
  const data = join(dir, name);
  const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'), { watchOtherProcesses: false });
  for (let g = 0; g < 5; g++) {
    const batches = groupBatches(groupId(g), `2026-11-24T0${g}:00:00.000Z`, 'worker-1').slice(0, g);
    for (const batch of batches) await decideForGroup(log, groupId(g), () => batch);
  }
  if (project) {
    const store = new ReadModelStore(join(data, 'state', 'readmodels.sqlite'), ALL_PROJECTIONS);
    await store.catchUp(log);
    store.close();
  }
  await log.close();
  return data;
}

describe('contimg CLI', () => {
  it('has --help for the program and every subcommand', async () => {
    const top = await contimg(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['config', 'status', 'replay']));
    for (const command of commands) {
      const help = await contimg([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`Usage: contimg ${command}`);
      expect(help.stdout).toContain('--data <dir>');
    }
  });

  it('prints the effective configuration and where each value came from', async () => {
    const file = join(dir, 'contimg.config.json');
    writeFileSync(file, JSON.stringify({ eventLog: { synchronous: 'normal' }, logLevel: 'debug' }));
    const result = await contimg(['--config', file, '--log-level', 'warn', 'config', '--json'], {
      env: { CONTIMG_DATA: '/srv/dsa110', CONTIMG_API_TOKEN: 'a-secret-operator-token' },
    });
    expect(result.stdout).not.toContain('a-secret-operator-token');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      file,
      settings: {
        dataDir: { value: '/srv/dsa110', source: 'env CONTIMG_DATA' },
        logLevel: { value: 'warn', source: 'flag --log-level' },
        'eventLog.synchronous': { value: 'normal', source: `file ${file}` },
        'ingest.expectedSubbands': { value: 16, source: 'default' },
        'api.token': { value: '***', source: 'env CONTIMG_API_TOKEN' },
      },
    });
  });

  it('refuses an invalid configuration with the reason and its source', async () => {
    const file = join(dir, 'bad.config.json');
    writeFileSync(file, JSON.stringify({ eventLog: { synchronous: 'sometimes' }, colour: 'blue' }));
    const result = await contimg(['--config', file, 'config']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`eventLog.synchronous = "sometimes" (from file ${file}): expected one of full, normal`);
    expect(result.stderr).toContain('unknown setting(s)');
  });

  it('summarises the queue from the read models', async () => {
    const data = await makeDataDir('status');
    const result = await contimg(['--data', data, 'status', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { head: number; projectedThrough: number; queue: { counts: Record<string, number>; total: number; backlog: number } };
    expect(status.head).toBe(18 + 20 + 22 + 23);
    expect(status.projectedThrough).toBe(status.head);
    expect(status.queue).toMatchObject({ total: 4, backlog: 3, counts: { pending: 1, processing_fresh: 2, completed: 1, collecting: 0 } });
    const text = await contimg(['--data', data, 'status']);
    expect(text.stdout).toMatch(/groups: 4 \(backlog 3/);
    expect(text.stdout).toMatch(/convert\s+2\s+0\s+4\.2\s+4\.2/);
    expect((await contimg(['--data', join(dir, 'nowhere'), 'status'])).stderr).toContain('no event log under');
  });

  it('replay --verify passes on a log made by the pipeline and fails when a read model was changed behind its back', async () => {
    const data = await makeDataDir('verify');
    const ok = await contimg(['--data', data, 'replay', '--verify']);
    expect(ok.code, ok.stderr).toBe(0);
    const tables = ALL_PROJECTIONS.reduce((n, p) => n + p.tables.length, 0);
    expect(ok.stdout).toMatch(new RegExp(`verified: ${tables} tables of ${ALL_PROJECTIONS.length} projections equal a replay of the log`));

    const db = new Database(join(data, 'state', 'readmodels.sqlite'));
    db.prepare("UPDATE groups SET status = 'completed' WHERE status = 'pending'").run();
    db.close();
    const bad = await contimg(['--data', data, 'replay', '--verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('DIFFERENT: groups differ from a replay of the log');

    const rebuilt = await contimg(['--data', data, 'replay']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(new RegExp(`rebuilt ${ALL_PROJECTIONS.length} projections from 83 events`));
    expect((await contimg(['--data', data, 'replay', '--verify'])).code).toBe(0);
  });

  it('rebuilds read models that were deleted, from the log alone', async () => {
    const data = await makeDataDir('deleted', false);
    const result = await contimg(['--data', data, 'replay']);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse((await contimg(['--data', data, 'status', '--json'])).stdout) as { queue: { total: number } };
    expect(status.queue.total).toBe(4);
  });
});
