/**
 * The contract between the stage runner and one processing stage of a group (convert, flag,
 * solve, apply, image, ...). The runner claims the group, runs its stages in `STAGES` order and
 * records StageStarted / StageProgress / StageCompleted or StageFailed; a stage does the work and
 * returns the product events (MsWritten, ImageWritten, ...) that are appended with its
 * StageCompleted, atomically.
 *
 * A stage must be idempotent: it may run again after a crash at any point (the group then
 * resumes), so it writes its products under a deterministic path, builds them in a staging place
 * and moves them in whole, and replaces a leftover of an earlier attempt rather than failing on it.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { DataPaths } from '../config/paths.js';
import type { DomainEvent, StoredEvent } from '../eventlog/event.js';
import type { Stage } from '../eventlog/schema.js';

export interface StageContext {
  readonly groupId: string;
  /** 1 for the first attempt of this group's current claim series. */
  readonly attempt: number;
  /** 'resume' when an earlier attempt may have left work behind. */
  readonly mode: 'fresh' | 'resume';
  /** The group's subband files, in subband order. */
  readonly files: readonly string[];
  /** Every event of the group's stream so far: earlier stages' products are found here. */
  readonly history: readonly StoredEvent[];
  readonly paths: DataPaths;
  readonly config: Config;
  readonly logger: Logger;
  /** The backlog is long (PipelineDegraded): stages with a cheaper mode use it. */
  readonly degraded: boolean;
  /** Aborted when the lease is lost or the process is stopping: give up promptly. */
  readonly signal: AbortSignal;
  /** Reports progress in [0, 1]; the runner turns it into throttled StageProgress events. */
  progress(fraction: number, message?: string): void;
}

export interface StageDefinition {
  readonly stage: Stage;
  /** Runs the stage; resolves to the product events to record. Throws StageError (or anything) on failure. */
  run(context: StageContext): Promise<readonly DomainEvent[]>;
}

/**
 * A stage failure with the reason an operator reads. `retryable` false means another attempt
 * cannot help (bad input): the group goes straight to the dead-letter queue.
 */
export class StageError extends Error {
  override readonly name = 'StageError';

  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; blamedFiles?: readonly string[] },
  ) {
    super(message, options);
    this.blamedFiles = options?.blamedFiles ?? [];
  }

  /** Input files at fault: quarantined when the failure is final. */
  readonly blamedFiles: readonly string[];
}

/** The last event of `type` in a group's history, if any. */
export function lastOfType<T extends DomainEvent['type']>(history: readonly StoredEvent[], type: T): Extract<StoredEvent, { type: T }> | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const event = history[i]!;
    if (event.type === type) return event as Extract<StoredEvent, { type: T }>;
  }
  return undefined;
}
