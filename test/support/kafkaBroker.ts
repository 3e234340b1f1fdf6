import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'kafka');
const run = promisify(execFile);

/** A real single-node Kafka broker (scripts/kafka) in a temporary directory, on free loopback ports. */
export interface TestBroker {
  /** `127.0.0.1:PORT`, for `brokers`. */
  readonly address: string;
  readonly dir: string;
  /** Stops the JVM (SIGKILL with `kill`, else a clean shutdown), then starts it again on the same data and ports. */
  restart(options?: { kill?: boolean }): Promise<void>;
  stop(options?: { kill?: boolean }): Promise<void>;
  start(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'contimg-kafka-'));
  const [port, controllerPort] = await freePorts(2);
  const kafka = (...args: string[]) => run(SCRIPT, [...args, '--dir', dir], { timeout: 180_000 });
  const broker: TestBroker = {
    address: `127.0.0.1:${port}`,
    dir,
    async start() {
      await kafka('start', '--port', String(port), '--controller-port', String(controllerPort));
      await kafka('wait', '--timeout', '150');
    },
    async stop({ kill = false } = {}) {
      await kafka('stop', ...(kill ? ['--kill'] : []));
    },
    async restart(options) {
      await broker.stop(options);
      await broker.start();
    },
  };
  await broker.start();
  return broker;
}

/** One broker for the whole test file: started before the first test, stopped and removed after the last. */
export function useBroker(): () => TestBroker {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    broker = await startBroker();
  }, 200_000);
  afterAll(async () => {
    if (!broker) return;
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
  }, 120_000);
  return () => {
    if (!broker) throw new Error('the Kafka broker did not start (see beforeAll)');
    return broker;
  };
}

/** A free port whose successor is free too: `contimg cluster up --port P` puts the controller on P + 1. */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const [port] = await freePorts(1);
    if (await canListen(port! + 1)) return port!;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports the kernel hands out as free right now (held together so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
