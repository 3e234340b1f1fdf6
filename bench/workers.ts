/**
 * Cluster mode's throughput: the same scaled-down groups, ingested into a fresh Kafka topic, then
 * processed by 1, 2 and 3 `contimg worker` processes (convert, flag, solve, apply), each count
 * several times; groups per hour at the median, and the ratio against one worker. On a machine
 * with 2 cores this measures the coordination's overhead more than scaling.
 *
 *   npm run bench -- workers [--reps=N] [--groups=N]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBroker } from '../test/support/kafkaBroker.js';
import { intArg, printTable, summarise, type Row } from './support.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const WORKER_COUNTS = [1, 2, 3] as const;

/** `contimg ARGS` to completion; rejects with its stderr when it fails. */
function contimg(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`contimg ${args.join(' ')} exited ${code}\n${stderr}`))));
  });
}

export default async function workersBench(args: string[]): Promise<void> {
  const reps = intArg(args, 'reps', 2);
  const groups = intArg(args, 'groups', 8);
  const dir = mkdtempSync(join(tmpdir(), 'contimg-bench-workers-'));
  const broker = await startBroker();
  try {
    const incoming = join(dir, 'incoming');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--out', incoming, '--truth-dir', join(dir, 'truth'), '--groups', String(groups), '--subbands', '4', '--antennas', '32', '--channels', '32', '--integrations', '12']);
    const rows: Row[] = [];
    let single: ReturnType<typeof summarise> | undefined;
    for (const workers of WORKER_COUNTS) {
      const times: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const topic = `workers-${workers}-${rep}`;
        const data = join(dir, topic);
        const env = {
          CONTIMG_KAFKA_BROKERS: broker.address,
          CONTIMG_KAFKA_TOPIC: topic,
          CONTIMG_INGEST_EXPECTED_SUBBANDS: '4',
          CONTIMG_INGEST_STABLE_MS: '200',
          CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply',
          CONTIMG_LOG_LEVEL: 'warn',
        };
        await contimg(['--data', data, 'run', '--incoming', incoming, '--no-process', '--until-idle', '--no-view'], env);
        const start = performance.now();
        await Promise.all(Array.from({ length: workers }, () => contimg(['--data', data, 'worker', '--until-idle'], env)));
        times.push(performance.now() - start);
      }
      const result = summarise(`${workers} worker${workers > 1 ? 's' : ''}: ${groups} groups`, groups, times);
      single ??= result;
      rows.push(workers === 1 ? { result } : { result, reference: single });
    }
    console.log(`workers benchmark: ${groups} scaled-down groups (32 antennas, 4 × 32 channels, 12 integrations), convert → flag → solve → apply, ${reps} runs each, median\n`);
    printTable(rows);
    console.log(`\ngroups per hour: ${rows.map((r) => `${r.result.label.split(':')[0]} ${(r.result.rate * 3600).toFixed(0)}`).join(', ')} (the time includes each worker's start and its idle wait at the end)`);
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
