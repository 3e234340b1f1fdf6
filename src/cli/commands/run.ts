import { mkdir } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { defer, EMPTY, NEVER, filter, firstValueFrom, from, fromEvent, ignoreElements, interval, lastValueFrom, map, merge, share, take, tap, type Observable } from 'rxjs';
import type { Config } from '../../config/config.js';
import { recordedFiles } from '../../projections/groupQueries.js';
import { knownGroups, queueSummary } from '../../projections/groupQueue.js';
import { readHeader } from '../../science/uvh5/index.js';
import { pipelineStages } from '../../stages/index.js';
import { registrySelector } from '../pipeline/caltableSelector.js';
import { readModelMosaics } from '../pipeline/pendingMosaics.js';
import { ingest } from '../pipeline/ingest.js';
import { processGroups, rideOutLogOutages } from '../pipeline/process.js';
import { recalibrateDeferred } from '../pipeline/recalibrate.js';
import { openLogState } from '../state.js';

export interface RunOptions {
  /** Exit once no group is collecting or waiting for processing and nothing has arrived for a while. */
  readonly untilIdle: boolean;
  /** Watch the incoming directory here (false: a worker, processing what others ingest). */
  readonly ingest: boolean;
  /** Process groups here (false: ingest only, leaving pending groups to workers elsewhere). */
  readonly process: boolean;
  /** Work that feeds the incoming directory (the simulator); idleness waits for it to finish. */
  readonly feeder?: Promise<void>;
  /** Starts a live view over the read models once they are current; stopped when the run ends. */
  readonly view?: (readModels: Database.Database) => { stop(): void };
}

/**
 * The streaming pipeline: watches the incoming directory, turns arrivals into groups, processes
 * pending groups through every stage and keeps the read models current. Resolves to the exit code.
 */
export async function runCommand(config: Config, logger: Logger, { untilIdle, ingest: ingestHere, process: processHere, feeder, view }: RunOptions): Promise<number> {
  const state = await openLogState(config);
  const stop = new AbortController();
  let drawn: { stop(): void } | undefined;
  try {
    if (ingestHere) await mkdir(config.incomingDir, { recursive: true });
    await state.readModels.catchUp(state.log);
    logger.info({ incoming: ingestHere ? config.incomingDir : null, data: state.paths.root, log: config['eventLog.brokers'] ?? 'sqlite', head: await state.log.head() }, 'pipeline starting');
    drawn = view?.(state.readModels.db);
    let lastActivity = Date.now();
    const projected$ = state.readModels.follow(state.log).pipe(share());
    // After an outage of the log, ingest starts over from what the read models then hold.
    const ingested$ = !ingestHere ? EMPTY : defer(() => ingest({
      log: state.log,
      config,
      quarantineDir: state.paths.quarantine,
      logger,
      known: knownGroups(state.readModels.db),
      recorded: recordedFiles(state.readModels.db),
      readHeader,
    })).pipe(rideOutLogOutages(state.log, logger), tap(() => (lastActivity = Date.now())));
    const { db } = state.readModels;
    const processed$ = processHere
      ? processGroups({ log: state.log, readModels: db, config, paths: state.paths, logger, stages: pipelineStages({ selectCaltables: registrySelector(db), pendingMosaics: readModelMosaics(db) }, config['process.stages'].split(',')), wake$: projected$, stop: stop.signal }).pipe(
          tap(() => (lastActivity = Date.now())),
          share({ resetOnRefCountZero: false }),
        )
      : EMPTY;
    // Subscribed now and kept beyond the stop, so that running stages wind down and release their leases.
    const processing = lastValueFrom(processed$, { defaultValue: null });
    processing.catch(() => undefined); // a failure also fails stopped$ below, which reports it
    let feederDone = feeder === undefined;
    const fed$ = feeder === undefined ? EMPTY : from(feeder).pipe(
      tap({
        complete: () => {
          feederDone = true;
          lastActivity = Date.now(); // its last files are still settling
        },
      }),
    );
    const quietMs = config['ingest.stableMs'] + 2 * config['ingest.readRetryMs'] + 1000;
    const isIdle = () => {
      const { counts, backlog } = queueSummary(state.readModels.db);
      return counts.collecting === 0 && (!processHere || backlog === 0);
    };
    const idle$: Observable<string> = untilIdle
      ? interval(250).pipe(
          filter(() => feederDone && Date.now() - lastActivity > quietMs && isIdle()),
          map(() => 'idle'),
        )
      : NEVER;
    const stopped$ = merge(
      fromEvent(process, 'SIGINT').pipe(map(() => 'SIGINT')),
      fromEvent(process, 'SIGTERM').pipe(map(() => 'SIGTERM')),
      idle$,
      // these end only by failing (or, the feeder, by finishing): an error rejects the wait below
      merge(projected$, ingested$, fed$, processed$, processHere ? recalibrateDeferred(projected$, { log: state.log, readModels: db, logger }).pipe(rideOutLogOutages(state.log, logger)) : EMPTY).pipe(ignoreElements()),
    ).pipe(take(1));
    const reason = await firstValueFrom(stopped$);
    stop.abort(new Error(`stopping: ${reason}`));
    await processing;
    await state.readModels.catchUp(state.log);
    logger.info({ reason, queue: queueSummary(state.readModels.db).counts }, 'pipeline stopped');
    return 0;
  } finally {
    stop.abort();
    drawn?.stop();
    await state.close();
  }
}
