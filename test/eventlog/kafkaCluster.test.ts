import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaEventLog } from '../../src/eventlog/kafkaEventLog.js';
import { contimg } from '../support/cli.js';
import { collectedGroup, groupId } from '../support/groupEvents.js';
import { freePortPair } from '../support/kafkaBroker.js';

describe('contimg cluster', () => {
  const data = mkdtempSync(join(tmpdir(), 'contimg-cluster-'));
  afterAll(async () => {
    await contimg(['--data', data, 'cluster', 'down']);
    rmSync(data, { recursive: true, force: true });
  }, 120_000);

  it('starts the project broker for the user, reports it, serves the event log, and stops it', async () => {
    const port = await freePortPair();
    const address = `127.0.0.1:${port}`;
    const cluster = (...args: string[]) => contimg(['--data', data, 'cluster', ...args]);

    const up = await cluster('up', '--broker-port', String(port));
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`Kafka broker ready at ${address} (data and log in ${join(data, 'kafka')})`);
    expect(up.stdout).toContain(`contimg replay --from-kafka --brokers ${address} --topic contimg-events`);
    expect((await cluster('up', '--broker-port', String(port))).stdout).toContain(`already running: ${address}`);
    const running = await cluster('status');
    expect([running.code, running.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^running ${address} pid \\d+\\n$`))]);

    const log = await KafkaEventLog.open({ brokers: [address], logLevel: logLevel.NOTHING });
    await log.append(groupId(0), collectedGroup(groupId(0), '2026-11-24T08:00:00Z'), 0);
    expect(await log.head()).toBe(18);
    await log.close();

    const down = await cluster('down');
    expect([down.code, down.stdout]).toEqual([0, 'stopped\n']);
    const stopped = await cluster('status');
    expect([stopped.code, stopped.stdout]).toEqual([1, 'stopped\n']);
  }, 180_000);

  it('refuses an unknown action or a bad port with a usage error', async () => {
    expect(await contimg(['--data', data, 'cluster', 'sideways'])).toMatchObject({ code: 2, stderr: 'contimg: cluster: unknown action "sideways" (up, down or status)\n' });
    expect(await contimg(['--data', data, 'cluster', 'up', '--broker-port', 'http'])).toMatchObject({ code: 2, stderr: 'contimg: --broker-port must be a TCP port (1-65534), got "http"\n' });
  });
});
