import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../config/config.js';
import { dataPaths } from '../../config/paths.js';
import { DEFAULT_TOPIC, KafkaEventLog, type KafkaEventLogOptions } from '../../eventlog/kafkaEventLog.js';

export const DEFAULT_KAFKA_PORT = 9092;

class ClusterUsageError extends Error {
  readonly code = 'USAGE';
}

/**
 * `contimg cluster up|down|status`: the project's single-node Kafka broker (scripts/kafka) for
 * trying cluster mode on one box, its data and log under DATA/kafka. Resolves to the exit code.
 */
export async function clusterCommand(action: 'up' | 'down' | 'status', config: Config, options: { brokerPort?: string }): Promise<number> {
  const dir = join(dataPaths(config.dataDir).root, 'kafka');
  const port = options.brokerPort ?? String(DEFAULT_KAFKA_PORT);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65534) throw new ClusterUsageError(`--broker-port must be a TCP port (1-65534), got ${JSON.stringify(port)}`);
  switch (action) {
    case 'up': {
      const started = await kafkaScript('start', '--dir', dir, '--port', port);
      if (started !== 0) return started;
      const ready = await kafkaScript('wait', '--dir', dir);
      if (ready !== 0) return ready;
      const address = `127.0.0.1:${port}`;
      process.stdout.write(
        `Kafka broker ready at ${address} (data and log in ${dir})\n` +
          `  replay the read models from it: contimg replay --from-kafka --brokers ${address} --topic ${DEFAULT_TOPIC}\n` +
          '  stop it: contimg cluster down\n',
      );
      return 0;
    }
    case 'down':
      return kafkaScript('stop', '--dir', dir);
    case 'status':
      return (await kafkaScript('status', '--dir', dir)) === 0 ? 0 : 1;
  }
}

export interface KafkaLogOptions {
  readonly brokers?: string | undefined;
  readonly topic?: string | undefined;
  /** kafkajs's retries (default: kafkajs's own). */
  readonly retry?: KafkaEventLogOptions['retry'];
}

/** Opens the event log on the Kafka cluster named by `--brokers host:port[,host:port...]` and `--topic`. */
export function openKafkaLog(options: KafkaLogOptions): Promise<KafkaEventLog> {
  if (options.brokers === undefined) throw new ClusterUsageError('--from-kafka needs --brokers HOST:PORT[,HOST:PORT...]');
  const brokers = options.brokers.split(',').map((b) => b.trim());
  const bad = brokers.find((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(b));
  if (bad !== undefined) throw new ClusterUsageError(`--brokers: "${bad}" is not HOST:PORT`);
  return KafkaEventLog.open({ brokers, topic: options.topic ?? DEFAULT_TOPIC, ...(options.retry && { retry: options.retry }) });
}

/** Runs scripts/kafka with the terminal attached; resolves to its exit code. */
function kafkaScript(...args: string[]): Promise<number> {
  const script = findKafkaScript();
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** scripts/kafka of this checkout, found upwards from this module (it runs from src/ or from dist/src/). */
function findKafkaScript(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'kafka');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('scripts/kafka not found: `contimg cluster` runs from a checkout of contimg');
}
