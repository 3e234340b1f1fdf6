/**
 * The API under load, served by a real `contimg serve` process over a log of ~10,000 groups:
 * throughput and latency of the REST reads the dashboard makes (autocannon, several runs,
 * medians), latency at a fixed 2,000 req/s against the 10 ms p99 target, the cost of a group's
 * event history as the group page loads it, and WebSocket fan-out (N clients receiving a burst
 * of events appended by another process: delivery time, server memory and CPU; the clients share
 * this one process, so a slow delivery may be theirs: compare the CPU).
 *
 *   npm run bench -- api [--groups=10000] [--reps=3] [--seconds=5] [--clients=100] [--burst=10000]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { WebSocket } from 'ws';
import { openState } from '../src/cli/state.js';
import { loadConfig } from '../src/config/config.js';
import type { GroupEvent } from '../src/domain/groupLifecycle.js';
import type { EventLog } from '../src/eventlog/eventLog.js';
import { startServe, type RunningServer } from '../test/dashboard/serve.js';
import { collectedGroup, groupBatches, groupId } from '../test/support/groupEvents.js';

const P99_TARGET_MS = 10;
const FIXED_RATE = 2000;
const T = '2026-11-24T00:00:00Z';

const option = (args: string[], name: string, fallback: number) => {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export default async function run(args: string[]): Promise<void> {
  const groups = option(args, 'groups', 10_000);
  const reps = option(args, 'reps', 3);
  const seconds = option(args, 'seconds', 5);
  const clients = option(args, 'clients', 100);
  const burst = option(args, 'burst', 10_000);
  const root = await mkdtemp(join(tmpdir(), 'contimg-bench-api-'));
  const env = { CONTIMG_EVENT_LOG_SYNCHRONOUS: 'normal' };
  let server: RunningServer | undefined;
  try {
    const state = openState(loadConfig({ env: { ...env, CONTIMG_DATA: root }, cwd: root }).config);
    const seeded = performance.now();
    await seed(state.log, groups);
    const head = await state.log.head();
    await state.readModels.catchUp(state.log);
    console.log(`log: ${groups} groups, ${head} events, written and projected in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

    server = await startServe(root, env);
    const { url } = server;
    // Not measured: the server's first requests (JIT, SQLite page cache, its WAL checkpoint on open).
    await cannon(`${url}/api/v1/status`, 2);
    await cannon(`${url}/api/v1/groups`, 2);
    const someGroup = groupId(Math.floor(groups / 2));
    const rows: string[][] = [];
    for (const [label, path] of [
      ['GET /status', '/api/v1/status'],
      ['GET /groups (50)', '/api/v1/groups'],
      ['GET /groups?state=pending (50)', '/api/v1/groups?state=pending'],
      ['GET /groups/:id', `/api/v1/groups/${someGroup}`],
    ] as const) {
      rows.push(summarise(label, await repeat(reps, () => cannon(`${url}${path}`, seconds))));
    }
    const fixed = summarise(`GET /groups at ${FIXED_RATE} req/s`, await repeat(reps, () => cannon(`${url}/api/v1/groups`, seconds, FIXED_RATE)));
    rows.push(fixed);
    printRows(['case', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'], rows);
    const p99 = Number(fixed[3]);
    console.log(`\nmedians of ${reps} runs of ${seconds} s, 10 connections; fixed-rate p99 ${p99} ms, target <= ${P99_TARGET_MS} ms: ${p99 <= P99_TARGET_MS ? 'ok' : 'MISSED'}`);

    const history = await repeat(reps, () => streamHistory(url, someGroup));
    console.log(`\na group's whole history over the WebSocket (stream=ID&after=0, as the group page asks; the server scans the log): median ${median(history).toFixed(2)} s on ${head} events`);

    const fanout: string[][] = [];
    for (let rep = 0; rep < reps; rep++) fanout.push(await fanOut(server, state.log, clients, burst, groups + 1000 + rep * Math.ceil(burst / 18)));
    console.log(`\nWebSocket fan-out: ${clients} clients, a burst of ${burst} events appended by this process`);
    printRows(['run', 'append s', 'first client s', 'median client s', 'last client s', 'events/s delivered', 'server RSS MiB before→peak', 'server CPU s', 'dropped'], fanout);
    await state.close();
  } finally {
    await server?.kill();
    await rm(root, { recursive: true, force: true });
  }
}

/** Mostly completed groups, with some pending, failed and collecting, the way the pipeline writes them. */
async function seed(log: EventLog, groups: number): Promise<void> {
  for (let i = 0; i < groups; i++) {
    const id = groupId(i);
    const batches = groupBatches(id, T, 'worker-1');
    const kind = i % 100;
    let events: GroupEvent[];
    if (kind < 90) events = batches.flat();
    else if (kind < 96) events = collectedGroup(id, T);
    else if (kind < 98) {
      events = [...batches[0]!, ...batches[1]!, batches[2]![0]!];
      events.push({ type: 'StageFailed', time: T, payload: { groupId: id, stage: 'convert', attempt: 1, error: { message: 'disk full' }, retryable: false, durationMs: 900 } });
    } else events = collectedGroup(id, T).slice(0, 1 + (i % 15));
    await log.append(id, events, 'any');
  }
}

async function repeat<T>(reps: number, once: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < reps; i++) results.push(await once());
  return results;
}

function cannon(url: string, seconds: number, overallRate?: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: 10, duration: seconds, ...(overallRate !== undefined && { overallRate }) });
}

function summarise(label: string, runs: readonly autocannon.Result[]): string[] {
  const m = (pick: (r: autocannon.Result) => number) => median(runs.map(pick));
  const errors = runs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0);
  return [label, m((r) => r.requests.average).toFixed(0), m((r) => r.latency.p50).toFixed(2), m((r) => r.latency.p99).toFixed(2), m((r) => r.latency.max).toFixed(1), String(errors)];
}

function printRows(header: readonly string[], rows: readonly string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Seconds from opening `/ws?stream=ID&after=0` to its `live` message. */
function streamHistory(url: string, stream: string): Promise<number> {
  const start = performance.now();
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/ws?after=0&stream=${stream}`);
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      if (data.subarray(0, 15).toString() !== '{"kind":"live",') return;
      resolve((performance.now() - start) / 1000);
      ws.close(1000);
    });
  });
}

/** User + system CPU time of a process so far (clock ticks of 10 ms, as Linux reports them). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * `clients` sockets on the live tail; this process then appends `burst` events (whole groups'
 * collections) and each client notes when it has received them all.
 */
async function fanOut(server: RunningServer, log: EventLog, clients: number, burst: number, firstGroup: number): Promise<string[]> {
  const wsUrl = `${server.url.replace('http', 'ws')}/api/v1/ws`;
  const sockets: WebSocket[] = [];
  const doneAt: number[] = [];
  let dropped = 0;
  const allLive = Array.from({ length: clients }, () => {
    const ws = new WebSocket(wsUrl);
    sockets.push(ws);
    let received = 0;
    ws.on('close', (code) => code !== 1000 && code !== 1005 && dropped++);
    return new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer) => {
        if (data.subarray(0, 16).toString() === '{"kind":"event",' && ++received === burst) doneAt.push(performance.now());
        else if (data.subarray(0, 15).toString() === '{"kind":"live",') resolve();
      }),
    );
  });
  await Promise.all(allLive);
  const pid = server.child.pid!;
  const before = await rssMiB(pid);
  const cpuBefore = await cpuSeconds(pid);
  let peak = before;
  const sampler = setInterval(() => void rssMiB(pid).then((v) => (peak = Math.max(peak, v))), 50);

  const start = performance.now();
  let appended = 0;
  for (let g = firstGroup; appended < burst; g++) {
    const id = groupId(g);
    const events = collectedGroup(id, T).slice(0, burst - appended);
    await log.append(id, events, 'any');
    appended += events.length;
  }
  const appendS = (performance.now() - start) / 1000;
  for (let i = 0; i < 1200 && doneAt.length + dropped < clients; i++) await new Promise((r) => setTimeout(r, 100));
  clearInterval(sampler);
  const serverCpu = (await cpuSeconds(pid)) - cpuBefore;
  for (const ws of sockets) ws.close(1000);
  const times = doneAt.map((t) => (t - start) / 1000);
  const last = Math.max(...times);
  return [
    `${clients}×${burst}`,
    appendS.toFixed(2),
    Math.min(...times).toFixed(2),
    median(times).toFixed(2),
    last.toFixed(2),
    ((doneAt.length * burst) / last).toFixed(0),
    `${before.toFixed(0)}→${peak.toFixed(0)}`,
    serverCpu.toFixed(1),
    `${dropped}${doneAt.length + dropped < clients ? ` (+${clients - doneAt.length - dropped} incomplete)` : ''}`,
  ];
}
