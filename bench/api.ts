/**
 * The API under load, served by a real `contimg serve` process over a log of ~10,000 groups'
 * lifecycles, 100,000 images with their QA and forced photometry of 2,000 sources over ~50
 * epochs (sources along a DSA-110 declination strip, measured in the groups whose field holds
 * them; 1 in 20 varies): throughput (10 connections, as fast as the server answers) and latency
 * at a fixed 2,000 req/s against the 10 ms p99 target for each list the dashboard reads, with
 * the server's CPU time per request (less sensitive than latency to other work on the machine);
 * several runs, medians; once with the reply cache off (every request reads the read models and
 * serialises), once with it on (the default: a polled URL is answered from its last reply). Then the cost of a group's event history as the group page loads it,
 * and WebSocket fan-out (N clients receiving a burst of events appended by another process:
 * delivery time, server memory and CPU; the clients share this one process, so a slow delivery
 * may be theirs: compare the CPU).
 *
 *   npm run bench -- api [--groups=10000] [--images=100000] [--sources=2000] [--epochs=50]
 *     [--reps=3] [--seconds=5] [--clients=100] [--burst=10000] [--only=TEXT] [--data=DIR]
 *
 * `--only` keeps the REST cases whose label contains TEXT (and skips the WebSocket part);
 * `--clients=0` skips the WebSocket part; `--data=DIR` seeds DIR (when its log is empty) and
 * keeps it, so that later runs, or a profiler (`node --cpu-prof --import tsx src/cli/main.ts
 * --data DIR serve`), reuse it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { WebSocket } from 'ws';
import { openState } from '../src/cli/state.js';
import { loadConfig } from '../src/config/config.js';
import type { GroupEvent } from '../src/domain/groupLifecycle.js';
import type { NewEvent } from '../src/eventlog/event.js';
import type { EventLog } from '../src/eventlog/eventLog.js';
import type { PayloadOf } from '../src/eventlog/schema.js';
import { angularSeparationDeg } from '../src/science/catalogs/skyGeometry.js';
import { startServe, type RunningServer } from '../test/dashboard/serve.js';
import { collectedGroup, groupBatches, groupId } from '../test/support/groupEvents.js';
import { gaussian, random } from '../test/support/random.js';

const P99_TARGET_MS = 10;
const FIXED_RATE = 2000;
const T = '2026-11-24T00:00:00Z';
/** The sky drifts through the meridian field by this much RA per 309-s group. */
const RA_PER_GROUP_DEG = (309 * 360.9856) / 86400;
const STRIP_DEC_DEG = 16.2;
const FIELD_RADIUS_DEG = 1.6;

const option = (args: string[], name: string, fallback: number) => {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
const textOption = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export default async function run(args: string[]): Promise<void> {
  const groups = option(args, 'groups', 10_000);
  const images = option(args, 'images', 100_000);
  const sourceCount = option(args, 'sources', 2000);
  const epochs = option(args, 'epochs', 50);
  const reps = option(args, 'reps', 3);
  const seconds = option(args, 'seconds', 5);
  const clients = option(args, 'clients', 100);
  const burst = option(args, 'burst', 10_000);
  const only = textOption(args, 'only');
  const kept = textOption(args, 'data');
  const root = kept ? resolve(kept) : await mkdtemp(join(tmpdir(), 'contimg-bench-api-'));
  const env = { CONTIMG_EVENT_LOG_SYNCHRONOUS: 'normal' };
  let server: RunningServer | undefined;
  try {
    const state = openState(loadConfig({ env: { ...env, CONTIMG_DATA: root }, cwd: root }).config);
    const seeded = performance.now();
    const sky = skySources(sourceCount);
    if ((await state.log.head()) === 0) {
      await seedGroups(state.log, groups);
      await seedImages(state.log, images);
      await seedPhotometry(state.log, sky, epochs);
    }
    const head = await state.log.head();
    await state.readModels.catchUp(state.log);
    const rows = state.readModels.db.prepare<[], { groups: number; images: number; photometry: number; sources: number; epochs: number }>(
      `SELECT (SELECT count(*) FROM groups) AS groups, (SELECT count(*) FROM images) AS images, (SELECT count(*) FROM photometry) AS photometry,
         (SELECT count(*) FROM source_variability) AS sources, (SELECT count(DISTINCT group_id) FROM photometry) AS epochs`,
    ).get()!;
    console.log(
      `log: ${rows.groups} groups, ${rows.images} images, ${rows.photometry} photometry rows of ${rows.sources} sources from ${rows.epochs} groups; ${head} events, written and projected in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
    );

    const someGroup = groupId(Math.floor(groups / 2));
    const cases = restCases(someGroup, images, sky).filter(([label]) => only === undefined || label.includes(only));
    // Without the reply cache every request reads and serialises; with it (the default) a repeated URL is answered from its last reply.
    for (const [title, cacheMs] of [['no reply cache (api.replyCacheMs=0): every request reads the read models', '0'], ['reply cache (the default): the same URL polled', '1000']] as const) {
      await server?.kill();
      server = await startServe(root, { ...env, CONTIMG_API_REPLY_CACHE_MS: cacheMs });
      // Not measured: the server's first requests (JIT, SQLite page cache, its WAL checkpoint on open).
      await cannon(`${server.url}/api/v1/status`, 2);
      await cannon(`${server.url}/api/v1/images`, 2);
      const table: string[][] = [];
      for (const [label, path] of cases) {
        const fast = await repeat(reps, () => measured(server!, `${server!.url}${path}`, seconds));
        const fixed = await repeat(reps, () => measured(server!, `${server!.url}${path}`, seconds, FIXED_RATE));
        table.push(summarise(label, fast, fixed));
      }
      console.log(`\n${title}`);
      printRows(['case', 'max req/s', `p50 ms @${FIXED_RATE}`, `p99 ms @${FIXED_RATE}`, `max ms @${FIXED_RATE}`, 'server CPU µs/req', 'errors'], table);
      const missed = table.filter((r) => Number(r[3]) > P99_TARGET_MS).map((r) => r[0]);
      console.log(`medians of ${reps} runs of ${seconds} s, 10 connections; p99 target at ${FIXED_RATE} req/s <= ${P99_TARGET_MS} ms: ${missed.length === 0 ? 'ok' : `MISSED by ${missed.join(', ')}`}`);
    }
    const { url } = server!;

    if (only === undefined && clients > 0) {
      const history = await repeat(reps, () => streamHistory(url, someGroup));
      console.log(`\na group's whole history over the WebSocket (stream=ID&after=0, as the group page asks; the server scans the log): median ${median(history).toFixed(2)} s on ${head} events`);

      const fanout: string[][] = [];
      for (let rep = 0; rep < reps; rep++) fanout.push(await fanOut(server!, state.log, clients, burst, Math.max(groups, images) + 1000 + rep * Math.ceil(burst / 18)));
      console.log(`\nWebSocket fan-out: ${clients} clients, a burst of ${burst} events appended by this process`);
      printRows(['run', 'append s', 'first client s', 'median client s', 'last client s', 'events/s delivered', 'server RSS MiB before→peak', 'server CPU s', 'dropped'], fanout);
    }
    await state.close();
  } finally {
    await server?.kill();
    if (!kept) await rm(root, { recursive: true, force: true });
  }
}

/** The REST reads the dashboard makes, as [label, path]. */
function restCases(someGroup: string, images: number, sky: readonly SkySource[]): (readonly [string, string])[] {
  const since = groupId(Math.floor(images / 4));
  const until = groupId(Math.floor(images / 2));
  const [ra, dec] = [sky[0]!.raDeg, STRIP_DEC_DEG];
  return [
    ['GET /status', '/api/v1/status'],
    ['GET /groups (50)', '/api/v1/groups'],
    ['GET /groups?state=pending (50)', '/api/v1/groups?state=pending'],
    ['GET /groups/:id', `/api/v1/groups/${someGroup}`],
    ['GET /images (newest 50)', '/api/v1/images'],
    ['GET /images?grade=warn&sort=rms, page 20', '/api/v1/images?grade=warn&sort=rms&order=asc&offset=1000&limit=50'],
    ['GET /images?mode=full&since&until&sort=dynamicRange', `/api/v1/images?mode=full&since=${since}&until=${until}&sort=dynamicRange`],
    ['GET /sources (all, by id)', '/api/v1/sources'],
    ['GET /sources cone 3°, ≥10 epochs, by flux', `/api/v1/sources?ra=${ra.toFixed(4)}&dec=${dec}&radius=3&minEpochs=10&sort=flux`],
    ['GET /sources?variable=true&sort=eta', '/api/v1/sources?variable=true&sort=eta'],
    ['GET /sources/:id/lightcurve', `/api/v1/sources/${encodeURIComponent(sky[0]!.sourceId)}/lightcurve`],
    ['GET /variability/candidates', '/api/v1/variability/candidates'],
  ];
}

/** Mostly completed groups, with some pending, failed and collecting, the way the pipeline writes them. */
async function seedGroups(log: EventLog, groups: number): Promise<void> {
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

/** One image per group (1 in 10 quick), 19 in 20 assessed: mostly good, some warn, a few bad. */
async function seedImages(log: EventLog, images: number): Promise<void> {
  const uniform = random(11);
  const beam = { majorArcsec: 18, minorArcsec: 13, paDeg: 0 };
  for (let i = 0; i < images; i++) {
    const id = groupId(i);
    const mode = i % 10 === 3 ? 'quick' : 'full';
    const imageId = `${id}-${mode}`;
    const dir = `/data/images/${imageId}`;
    const events: NewEvent[] = [
      {
        type: 'ImageWritten',
        time: T,
        payload: { groupId: id, imageId, mode, products: { image: `${dir}/image.fits`, pb: `${dir}/pb.fits`, pbcor: `${dir}/pbcor.fits` }, sizePx: mode === 'quick' ? 512 : 3360, cellArcsec: 3.75, beam },
      },
    ];
    if (i % 20 !== 7) {
      const rmsJy = 0.0008 * (1 + uniform());
      const peakJy = 0.05 + 2 * uniform();
      const grade = uniform() < 0.8 ? 'good' : uniform() < 0.75 ? 'warn' : 'bad';
      const issues = grade === 'good' ? [] : ['dynamic range low'];
      const payload: PayloadOf<'ImageQaMeasured'> = { groupId: id, imageId, rmsJy, peakJy, dynamicRange: peakJy / rmsJy, beam, sourceCount: Math.floor(200 * uniform()), grade, issues, artifacts: { thumbnail: `${dir}/thumbnail.png` } };
      events.push({ type: 'ImageQaMeasured', time: T, payload });
    }
    await log.append(id, events, 'any');
  }
}

interface SkySource {
  readonly sourceId: string;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly fluxJy: number;
  readonly varies: boolean;
  readonly phase: number;
}

/** `count` sources along the strip, 10 mJy – 2 Jy, 1 in 20 varying by up to ±40 % (the same for the same count). */
function skySources(count: number): SkySource[] {
  const uniform = random(23);
  return Array.from({ length: count }, (_, i) => {
    const raDeg = 360 * uniform();
    const decDeg = STRIP_DEC_DEG + FIELD_RADIUS_DEG * (2 * uniform() - 1);
    const name = `J${raDeg.toFixed(4)}${decDeg >= 0 ? '+' : ''}${decDeg.toFixed(4)}`;
    return { sourceId: `bench:${name}`, raDeg, decDeg, fluxJy: 0.01 * 200 ** uniform(), varies: i % 20 === 0, phase: 2 * Math.PI * uniform() };
  });
}

/**
 * The sources measured in consecutive groups whose 1.6° field (at the meridian, drifting with the
 * sky) holds them, until they have `epochs` epochs on average.
 */
async function seedPhotometry(log: EventLog, sources: readonly SkySource[], epochs: number): Promise<void> {
  const noise = gaussian(random(29));
  const count = sources.length;
  let measurements = 0;
  let g = 0;
  for (; measurements < count * epochs; g++) {
    const id = groupId(g);
    const fieldRa = (g * RA_PER_GROUP_DEG) % 360;
    const inField = sources.filter((s) => angularSeparationDeg(fieldRa, STRIP_DEC_DEG, s.raDeg, s.decDeg) <= FIELD_RADIUS_DEG);
    if (inField.length === 0) continue;
    measurements += inField.length;
    const payload: PayloadOf<'PhotometryMeasured'> = {
      groupId: id,
      imageId: `${id}-full`,
      imagePath: `/data/images/${id}-full/pbcor.fits`,
      mjd: 61000 + (g * 309) / 86400,
      catalogs: ['bench'],
      skipped: 0,
      measurements: inField.map((s) => {
        const trueFlux = s.fluxJy * (s.varies ? 1 + 0.4 * Math.sin(g / 50 + s.phase) : 1);
        const errorJy = Math.hypot(0.0015, 0.02 * trueFlux);
        const fluxJy = trueFlux + errorJy * noise();
        return { sourceId: s.sourceId, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy, errorJy, peakJy: fluxJy, rmsJy: 0.0015, method: 'condon' as const };
      }),
    };
    await log.append(id, [{ type: 'PhotometryMeasured', time: T, payload }], 'any');
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

interface Measured {
  readonly result: autocannon.Result;
  /** Server CPU (user + system) per request answered, µs. */
  readonly cpuMicros: number;
}

async function measured(server: RunningServer, url: string, seconds: number, overallRate?: number): Promise<Measured> {
  const pid = server.child.pid!;
  const before = await cpuSeconds(pid);
  const result = await cannon(url, seconds, overallRate);
  const cpu = (await cpuSeconds(pid)) - before;
  return { result, cpuMicros: (cpu * 1e6) / Math.max(1, result.requests.total) };
}

function summarise(label: string, fast: readonly Measured[], fixed: readonly Measured[]): string[] {
  const m = (runs: readonly Measured[], pick: (r: autocannon.Result) => number) => median(runs.map((r) => pick(r.result)));
  const errors = [...fast, ...fixed].reduce((n, { result: r }) => n + r.errors + r.non2xx + r.timeouts, 0);
  return [
    label,
    m(fast, (r) => r.requests.average).toFixed(0),
    m(fixed, (r) => r.latency.p50).toFixed(2),
    m(fixed, (r) => r.latency.p99).toFixed(2),
    m(fixed, (r) => r.latency.max).toFixed(1),
    median(fast.map((r) => r.cpuMicros)).toFixed(0),
    String(errors),
  ];
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
