import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { concatMap, defer, filter, map, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { decideForGroup } from '../../domain/groupCommands.js';
import { decideIngest, type GroupDecision, type IngestDecision } from '../../domain/ingest.js';
import { parseSubbandName } from '../../domain/subbandFile.js';
import type { EventLog } from '../../eventlog/eventLog.js';
import type { StoredEvent } from '../../eventlog/event.js';
import { awaitReadable } from '../../operators/awaitReadable.js';
import { groupSubbands, type KnownGroup } from '../../operators/groupSubbands.js';
import type { SubbandCandidate } from '../../operators/subbandCandidate.js';
import { watchIncoming } from '../../streams/watchIncoming.js';
import { quarantineFile } from './quarantine.js';

export interface IngestDeps {
  readonly log: EventLog;
  readonly config: Config;
  readonly quarantineDir: string;
  readonly logger: Logger;
  /** Groups already in the log, so a restart continues them instead of opening new ones. */
  readonly known: readonly KnownGroup[];
  /** Files already recorded, as path → size and ISO mtime: met again on a restart's scan, they are skipped unchanged. */
  readonly recorded: ReadonlyMap<string, { readonly sizeBytes: number; readonly mtime: string }>;
  /** Resolves once the file's HDF5 header reads; rejects with the reason otherwise. */
  readonly readHeader: (path: string) => Promise<unknown>;
  readonly now?: () => Date;
}

/** What ingest did with one decision: the events it appended and the file it quarantined, if any. */
export interface IngestResult {
  readonly decision: IngestDecision;
  readonly events: readonly StoredEvent[];
  readonly quarantinedTo: string | null;
}

/**
 * The ingest stage: files arriving in the incoming directory become groups in the log. Files
 * already there are taken first, so a restart picks up what arrived while it was down.
 */
export function ingest({ log, config, quarantineDir, logger, known, recorded, readHeader, now = () => new Date() }: IngestDeps): Observable<IngestResult> {
  const root = realpathSync(config.incomingDir);
  const toCandidate = (file: SubbandCandidate['file']): SubbandCandidate => {
    if (file.linkTarget !== undefined && !file.linkTarget.startsWith(root + sep)) {
      return { file, problem: `"${file.name}" is a symbolic link to ${file.linkTarget}, outside the incoming directory` };
    }
    const name = parseSubbandName(file.name);
    return typeof name === 'string' ? { file, problem: name } : { file, name };
  };
  /** Appends what the decision means for its group; a refusal names why its file must go to quarantine. */
  const decideGroup = async (decision: GroupDecision, time: string) => {
    let refusal: string | undefined;
    const appended = await decideForGroup(log, decision.groupId, (group, history) => {
      const outcome = decideIngest(decision, group, time, decision.kind === 'arrived' ? recordedPath(history, decision.subband) : undefined);
      refusal = outcome.quarantine;
      return outcome.events;
    });
    return { events: appended?.events ?? [], refusal };
  };
  const apply = async (decision: IngestDecision): Promise<IngestResult> => {
    const time = now().toISOString();
    const { events, refusal } = decision.kind === 'quarantine' ? { events: [], refusal: decision.reason } : await decideGroup(decision, time);
    for (const event of events) logEvent(logger, event);
    if (refusal === undefined || decision.kind === 'timeout') return { decision, events, quarantinedTo: null };
    const quarantinedTo = await quarantineFile(log, quarantineDir, decision.file, refusal, time);
    logger.warn({ file: decision.file.path, reason: refusal, quarantinedTo }, 'file quarantined');
    return { decision, events, quarantinedTo };
  };
  const alreadyRecorded = (file: SubbandCandidate['file']) => {
    const record = recorded.get(file.path);
    return record !== undefined && record.sizeBytes === file.sizeBytes && record.mtime === new Date(file.mtimeMs).toISOString();
  };
  return watchIncoming(config.incomingDir, { polling: config['ingest.polling'], stableMs: config['ingest.stableMs'] }).pipe(
    filter((file) => !alreadyRecorded(file)),
    map(toCandidate),
    awaitReadable((candidate) => defer(() => readHeader(candidate.file.path)), {
      attempts: config['ingest.readAttempts'],
      delayMs: config['ingest.readRetryMs'],
      concurrency: 4,
    }),
    groupSubbands(
      {
        toleranceMs: config['ingest.toleranceSeconds'] * 1000,
        collectTimeoutMs: config['ingest.collectTimeoutSeconds'] * 1000,
        expectedSubbands: config['ingest.expectedSubbands'],
      },
      known,
    ),
    concatMap((decision) => defer(() => apply(decision))),
  );
}

function recordedPath(history: readonly StoredEvent[], subband: number): string | undefined {
  for (const event of history) {
    if (event.type === 'SubbandArrived' && event.payload.subband === subband) return event.payload.path;
  }
  return undefined;
}

function logEvent(logger: Logger, event: StoredEvent): void {
  switch (event.type) {
    case 'GroupOpened':
      logger.info({ groupId: event.payload.groupId }, 'group collecting');
      return;
    case 'SubbandArrived':
      logger.debug({ groupId: event.payload.groupId, subband: event.payload.subband }, 'subband arrived');
      return;
    case 'GroupReady':
      logger.info({ groupId: event.payload.groupId, subbands: event.payload.subbands }, 'group complete: pending');
      return;
    case 'GroupCollectTimedOut':
      logger.warn({ groupId: event.payload.groupId, missing: event.payload.missingSubbands }, 'group incomplete at its deadline: failed');
      return;
    case 'SubbandLate':
      logger.warn({ groupId: event.payload.groupId, subband: event.payload.subband }, 'subband arrived after its group stopped collecting');
      return;
    default:
  }
}
