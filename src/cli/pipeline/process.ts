/**
 * The processing side of the main job. A fixed number of slots each claim the oldest pending group
 * (a lease in the log), run its remaining stages in order and record every transition; each stage
 * runs one group at a time, so with two slots one group converts while the other images. A slot
 * with nothing to claim waits for the read models to change. Leases are renewed while a group is
 * worked on, and released (the group returns to pending and resumes later) when the run stops, when
 * they run out, or when the process holding them is gone.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { releaseNativeMemory } from '../../../native/index.js';
import type Database from 'better-sqlite3';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { concatMap, defer, EMPTY, fromEvent, ignoreElements, interval, merge, of, repeat, share, startWith, take, takeUntil, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import type { Config } from '../../config/config.js';
import type { DataPaths } from '../../config/paths.js';
import { decideForGroup, loadGroup } from '../../domain/groupCommands.js';
import type { Group } from '../../domain/groupLifecycle.js';
import {
  decideClaim,
  decideDegradation,
  decideLeaseRelease,
  decideRenewal,
  decideStageFailure,
  isDegraded,
  PIPELINE_STREAM,
  processingMode,
  remainingStages,
  subbandPaths,
  type ClaimPolicy,
} from '../../domain/processing.js';
import { ConcurrencyError } from '../../eventlog/errors.js';
import type { EventLog } from '../../eventlog/eventLog.js';
import type { StoredEvent } from '../../eventlog/event.js';
import { claimableGroups, leasedGroups, queueSummary } from '../../projections/groupQueue.js';
import { lastOfType, StageError, type StageContext, type StageDefinition } from '../../stages/stage.js';
import { outageReporter, retryWhileLogUnreachable } from '../../operators/retryWhileLogUnreachable.js';
import { quarantineFile } from './quarantine.js';

/** How often a waiting slot looks again even when nothing changed (retry times coming due). */
const IDLE_TICK_MS = 1000;
/** StageProgress is recorded in steps of this fraction. */
const PROGRESS_STEP = 0.1;

export interface ProcessDeps {
  readonly log: EventLog;
  /** The read models (the `groups` table): where slots look for work. */
  readonly readModels: Database.Database;
  readonly config: Config;
  readonly paths: DataPaths;
  readonly logger: Logger;
  /** In pipeline order. */
  readonly stages: readonly StageDefinition[];
  /** Emits whenever the read models may have changed. */
  readonly wake$: Observable<unknown>;
  /** Aborted to stop: no new claims; running stages are interrupted and their leases released. */
  readonly stop: AbortSignal;
  readonly workerId?: string;
  readonly now?: () => Date;
}

export type GroupOutcome =
  | { readonly groupId: string; readonly outcome: 'completed' | 'failed' }
  /** Stopped by the run ending: the group is pending again and resumes later. */
  | { readonly groupId: string; readonly outcome: 'released' }
  /** Another worker took the group after this one's lease ran out. */
  | { readonly groupId: string; readonly outcome: 'lost' };

const HOST = hostname();

/** `host:pid:nonce`: unique per runner, and says which local process holds a lease. */
export const newWorkerId = () => `${HOST}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** A lease holder on this host whose process has exited. Other hosts' leases wait for expiry. */
function holderGone(workerId: string): boolean {
  const match = /^(.*):(\d+):[0-9a-f]+$/.exec(workerId);
  if (!match || match[1] !== HOST || Number(match[2]) === process.pid) return false;
  try {
    process.kill(Number(match[2]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Runs until `stop` aborts and every slot has wound down; emits one outcome per group handled. */
export function processGroups(deps: ProcessDeps): Observable<GroupOutcome> {
  const { log, readModels, config, logger, stop } = deps;
  const now = deps.now ?? (() => new Date());
  const policy: ClaimPolicy = { workerId: deps.workerId ?? newWorkerId(), leaseSeconds: config['process.leaseSeconds'] };
  const limits = new Map(deps.stages.map((s) => [s.stage, pLimit(1)]));
  const degradation = degradationTracker(deps, now);
  // Decided at each subscription: a slot waiting out an outage subscribes after the abort, too.
  const stopped$ = defer(() => (stop.aborted ? of(true) : fromEvent(stop, 'abort').pipe(take(1))));
  const changed$ = merge(deps.wake$, interval(IDLE_TICK_MS)).pipe(share());

  const claimNext = async (): Promise<string | null> => {
    await degradation.update();
    for (const groupId of claimableGroups(readModels, now(), 8)) {
      if (stop.aborted) return null;
      if (await decideForGroup(log, groupId, (group) => decideClaim(group, policy, now()))) return groupId;
    }
    return null;
  };
  const slot$ = defer(() => claimNext()).pipe(
    concatMap((groupId) => (groupId === null ? merge(changed$, stopped$).pipe(take(1), ignoreElements()) : defer(() => runGroup({ ...deps, policy, limits, now, degraded: () => degradation.degraded }, groupId)))),
    repeat({ delay: () => (stop.aborted ? EMPTY : of(0)) }),
    rideOutLogOutages(log, logger, stopped$),
  );
  const releaseLeases = async () => {
    for (const groupId of leasedGroups(readModels)) {
      const released = await decideForGroup(log, groupId, (group) => decideLeaseRelease(group, holderGone, now()));
      if (released) logger.warn({ groupId }, 'lease released: its holder stopped or it ran out; the group will resume');
    }
  };
  const sweeper$ = changed$.pipe(startWith(0), concatMap(releaseLeases), ignoreElements(), rideOutLogOutages(log, logger), takeUntil(stopped$));
  logger.info({ workerId: policy.workerId, slots: config['process.inFlightGroups'], stages: deps.stages.map((s) => s.stage) }, 'processing groups');
  return merge(sweeper$, ...Array.from({ length: config['process.inFlightGroups'] }, () => slot$));
}

/** Per log, so that each outage is told once however many pipelines ride it out. */
const outageReporters = new WeakMap<EventLog, (error: unknown, waitMs: number) => void>();

/**
 * Waits out an event log that does not answer (a broker restart), from 1 s up to 30 s between
 * tries, until `stop` emits. A group whose stage was cut off keeps its lease until it expires,
 * then resumes.
 */
export function rideOutLogOutages<T>(log: EventLog, logger: Logger, stop?: Observable<unknown>): MonoTypeOperatorFunction<T> {
  let onUnreachable = outageReporters.get(log);
  if (onUnreachable === undefined) {
    onUnreachable = outageReporter({
      probe: () => log.head(),
      probeEveryMs: 1000,
      onOutage: (err, waitMs) => logger.warn({ err }, `event log unreachable, retrying in ${waitMs / 1000} s`),
      onBack: (outageMs) => logger.info({ outageSeconds: Math.round(outageMs / 1000) }, 'event log reachable again'),
    });
    outageReporters.set(log, onUnreachable);
  }
  return retryWhileLogUnreachable<T>({ delayMs: 1000, maxDelayMs: 30_000, onUnreachable, ...(stop && { stop }) });
}

interface RunContext extends ProcessDeps {
  readonly policy: ClaimPolicy;
  readonly limits: ReadonlyMap<string, LimitFunction>;
  readonly now: () => Date;
  readonly degraded: () => boolean;
}

/**
 * Follows the backlog and records when the pipeline degrades or recovers. Slots share one
 * tracker; another process deciding first shows up as a concurrency conflict, settled on the
 * next look.
 */
function degradationTracker({ log, readModels, config, logger }: ProcessDeps, now: () => Date) {
  let degraded = false;
  return {
    get degraded() {
      return degraded;
    },
    async update() {
      const history = await log.readStream(PIPELINE_STREAM);
      degraded = isDegraded(history);
      const { backlog } = queueSummary(readModels);
      const events = decideDegradation(degraded, backlog, config['process.degradeBacklog'], now());
      if (events.length === 0) return;
      try {
        await log.append(PIPELINE_STREAM, events, history.length);
      } catch (error) {
        if (error instanceof ConcurrencyError) return;
        throw error;
      }
      degraded = !degraded;
      if (degraded) logger.warn({ backlog, threshold: config['process.degradeBacklog'] }, 'backlog long: imaging in quick mode until it recovers');
      else logger.info({ backlog }, 'backlog recovered: imaging in the configured mode again');
    },
  };
}

/** One claimed group through its remaining stages. */
async function runGroup(run: RunContext, groupId: string): Promise<GroupOutcome> {
  const { log, logger, policy, stop, now } = run;
  const work = new AbortController();
  const onStop = () => work.abort(stop.reason);
  stop.addEventListener('abort', onStop);
  const renewal = setInterval(() => {
    decideForGroup(log, groupId, (group) => decideRenewal(group, policy, now()))
      .then((renewed) => renewed ?? work.abort(new LeaseLostError(`group ${groupId}: the lease of ${policy.workerId} was lost`)))
      .catch((error: unknown) => logger.error({ groupId, err: error }, 'lease renewal failed'));
  }, (policy.leaseSeconds * 1000) / 3);
  try {
    const { group } = await loadGroup(log, groupId);
    const pipeline = run.stages.map((s) => s.stage);
    const remaining = remainingStages(group!, pipeline);
    const lostMs = remaining.some((s) => MS_READERS.includes(s)) ? lostMeasurementSet(await log.readStream(groupId)) : null;
    if (lostMs !== null) logger.warn({ groupId, ms: lostMs }, 'the MeasurementSet is gone: every stage runs again, from conversion');
    const todo = lostMs === null ? remaining : pipeline;
    const stages = run.stages.filter((s) => todo.includes(s.stage));
    const mode = processingMode(group!);
    // Nothing left means a crash came between the last stage and completion: just complete.
    if (stages.length > 0) {
      await decideForGroup(log, groupId, () => [{ type: 'ProcessingStarted', time: now().toISOString(), payload: { groupId, mode, fromStage: stages[0]!.stage } }]);
    }
    logger.info({ groupId, mode, attempt: group!.attempts, stages: stages.map((s) => s.stage) }, 'processing group');
    for (const definition of stages) {
      if (!(await runStage(run, groupId, definition, mode, work.signal))) return { groupId, outcome: 'failed' };
    }
    await decideForGroup(log, groupId, () => [{ type: 'GroupProcessed', time: now().toISOString(), payload: { groupId } }]);
    logger.info({ groupId }, 'group completed');
    return { groupId, outcome: 'completed' };
  } catch (error) {
    if (!work.signal.aborted) throw error;
    if (work.signal.reason instanceof LeaseLostError) {
      logger.warn({ groupId }, work.signal.reason.message);
      return { groupId, outcome: 'lost' };
    }
    await decideForGroup(log, groupId, (group) => decideLeaseRelease(group, (w) => w === policy.workerId, now()));
    logger.info({ groupId }, 'stopped mid-group: lease released, the group resumes at the next start');
    return { groupId, outcome: 'released' };
  } finally {
    clearInterval(renewal);
    stop.removeEventListener('abort', onStop);
    // malloc keeps the pages of the native stages' freed buffers; between groups they go back.
    releaseNativeMemory();
  }
}

/** The stages that work on the group's MeasurementSet (later ones work on its image). */
const MS_READERS: readonly string[] = ['flag', 'solve', 'apply', 'image'];

/**
 * The group's MeasurementSet when it was written but is gone (removed by hand or by a cleaner, a
 * disk replaced). Later stages change it in place, so none of their work survives: all must rerun.
 */
function lostMeasurementSet(history: readonly StoredEvent[]): string | null {
  const written = lastOfType(history, 'MsWritten');
  return written !== undefined && !existsSync(written.payload.msPath) ? written.payload.msPath : null;
}

/** Runs one stage when its turn comes; resolves false when it failed (and the failure is recorded). */
async function runStage(run: RunContext, groupId: string, definition: StageDefinition, mode: 'fresh' | 'resume', signal: AbortSignal): Promise<boolean> {
  const { log, logger, now, config } = run;
  const { stage } = definition;
  return run.limits.get(stage)!(async () => {
    signal.throwIfAborted();
    let attempt = 0;
    await decideForGroup(log, groupId, (group) => {
      attempt = group!.attempts;
      return [{ type: 'StageStarted', time: now().toISOString(), payload: { groupId, stage, attempt } }];
    });
    logger.info({ groupId, stage, attempt }, 'stage started');
    const started = performance.now();
    const progress = progressRecorder(log, groupId, stage, now, logger);
    const history = await log.readStream(groupId);
    const context: StageContext = {
      groupId,
      attempt,
      mode,
      degraded: run.degraded(),
      files: subbandPaths(history),
      history,
      paths: run.paths,
      config,
      logger: logger.child({ groupId, stage }),
      signal,
      progress: progress.report,
    };
    try {
      const products = await definition.run(context);
      await progress.settled();
      const durationMs = performance.now() - started;
      const time = now().toISOString();
      await decideForGroup(log, groupId, () => [
        ...products.map((p) => ({ ...p, time })),
        { type: 'StageCompleted', time, payload: { groupId, stage, attempt, durationMs } },
      ]);
      logger.info({ groupId, stage, seconds: +(durationMs / 1000).toFixed(2) }, 'stage completed');
      return true;
    } catch (error) {
      await progress.settled();
      if (signal.aborted) throw signal.reason;
      const failure = error instanceof StageError ? error : new StageError(error instanceof Error ? error.message : String(error), 'internal', true, { cause: error });
      const durationMs = performance.now() - started;
      const policy = { maxAttempts: config['process.maxAttempts'], backoffSeconds: config['process.retryBackoffSeconds'] };
      const appended = await decideForGroup(log, groupId, (group: Group | undefined) =>
        decideStageFailure(group!, { stage, message: failure.message, code: failure.code, retryable: failure.retryable, durationMs }, policy, now()),
      );
      const next = appended?.events.at(-1)?.type;
      logger.error({ groupId, stage, code: failure.code, retryable: failure.retryable, next, err: failure.cause ?? failure }, `stage failed: ${failure.message}`);
      if (next === 'GroupDeadLettered') await quarantineBlamed(run, failure);
      return false;
    }
  });
}

/** Moves the inputs a final failure blames out of the incoming directory, each with its reason. */
async function quarantineBlamed({ log, paths, logger, now }: RunContext, failure: StageError): Promise<void> {
  for (const path of failure.blamedFiles) {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue; // already gone: nothing to move
    const to = await quarantineFile(log, paths.quarantine, { path, sizeBytes: info.size, mtimeMs: info.mtimeMs }, failure.message, now().toISOString());
    logger.warn({ file: path, quarantinedTo: to }, 'input quarantined');
  }
}

/** Turns a stage's progress reports into StageProgress events, in order, one per PROGRESS_STEP. */
function progressRecorder(log: EventLog, groupId: string, stage: StageDefinition['stage'], now: () => Date, logger: Logger) {
  let recorded = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return {
    report: (fraction: number, message?: string) => {
      const clamped = Math.min(1, Math.max(0, fraction));
      if (clamped < recorded + PROGRESS_STEP && !(clamped === 1 && recorded < 1)) return;
      recorded = clamped;
      const payload = { groupId, stage, fraction: clamped, ...(message !== undefined && { message }) };
      chain = chain
        .then(() => decideForGroup(log, groupId, () => [{ type: 'StageProgress', time: now().toISOString(), payload }]))
        .catch((error: unknown) => logger.warn({ groupId, stage, err: error }, 'progress not recorded'));
    },
    settled: () => chain,
  };
}
