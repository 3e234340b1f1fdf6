/**
 * Ingest latency: from the moment the 16th file of a group is completely written to the moment
 * the log records the group as pending, through the real ingest stage (chokidar, the size-stable
 * wait, the HDF5 header read, grouping, the log). Full-size subband files (145 MB): the first 15
 * are hard links made beforehand, the 16th a real copy whose completion starts the clock.
 * Reference, in the same script: a bare chokidar watcher with the same stability setting, timed
 * from the same moment to its `add` event (the floor that the size-stable wait sets).
 *
 *   npm run bench -- ingest [--reps=N]
 */
import { copyFile, link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch } from 'chokidar';
import { pino } from 'pino';
import { filter, firstValueFrom, mergeAll, type Subscription } from 'rxjs';
import { ingest } from '../src/cli/pipeline/ingest.js';
import { loadConfig } from '../src/config/config.js';
import { SqliteEventLog } from '../src/eventlog/sqliteEventLog.js';
import { readHeader } from '../src/science/uvh5/index.js';
import { printTable, summarise } from './support.js';
import { subbandFiles } from './uvh5.js';

const TARGET_S = 2;

export default async function run(args: string[]): Promise<void> {
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const reps = repsArg ? Number(repsArg.slice('--reps='.length)) : 5;
  const sources = await subbandFiles(false);
  const root = await mkdtemp(join(tmpdir(), 'contimg-bench-ingest-'));
  try {
    const config = { ...loadConfig({ env: {} }).config, incomingDir: join(root, 'incoming') };
    await mkdir(config.incomingDir, { recursive: true });
    const log = new SqliteEventLog(join(root, 'events.sqlite'));
    const running: Subscription = ingest({ log, config, quarantineDir: join(root, 'quarantine'), logger: pino({ level: 'silent' }), known: [], recorded: new Map(), readHeader }).subscribe();
    const ours: number[] = [];
    const floor: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const stamp = new Date(Date.UTC(2026, 10, 24, 8, 15) + rep * 309_000).toISOString().slice(0, 19);
      const target = (sb: number) => join(config.incomingDir, `${stamp}_sb${String(sb).padStart(2, '0')}.hdf5`);
      for (let sb = 0; sb < 15; sb++) await link(sources[sb]!, target(sb));
      await new Promise((r) => setTimeout(r, config['ingest.stableMs'] + 1500)); // the first 15 are in

      const pending = firstValueFrom(log.follow(log.headSync()).pipe(mergeAll(), filter((e) => e.type === 'GroupReady' && e.stream === stamp)));
      const { added } = await chokidarAdd(config.incomingDir, `${stamp}_sb15.hdf5`, config['ingest.stableMs']);
      await copyFile(sources[15]!, target(15));
      const written = performance.now();
      const [, addedAt] = await Promise.all([pending.then(() => ours.push(performance.now() - written)), added]);
      floor.push(addedAt - written);
    }
    running.unsubscribe();
    await log.close();
    const ref = summarise('  reference: bare chokidar add (same stability wait)', 1, floor);
    const result = summarise('16th file written -> group pending', 1, ours);
    printTable([{ result, reference: ref }, { result: ref }]);
    const verdict = result.medianMs <= TARGET_S * 1000 ? 'ok' : 'MISSED';
    console.log(`\n${reps} groups of 16 full-size files (events = groups); median latency ${(result.medianMs / 1000).toFixed(3)} s, target <= ${TARGET_S} s: ${verdict}.`);
    console.log(`stability wait ingest.stableMs = ${config['ingest.stableMs']} ms is part of both.`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** A fresh chokidar watcher, once ready; `added` resolves to the performance.now() at which it reports `name`. */
function chokidarAdd(dir: string, name: string, stableMs: number): Promise<{ added: Promise<number> }> {
  const watcher = watch(dir, { depth: 0, ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: 100 } });
  const added = new Promise<number>((resolve) => {
    watcher.on('add', (path) => {
      if (!path.endsWith(name)) return;
      const at = performance.now();
      void watcher.close().then(() => resolve(at));
    });
  });
  return new Promise((resolve) => watcher.on('ready', () => resolve({ added })));
}
