/** Errors of the event log. Each carries a stable `code` so callers (and the API) map it without instanceof chains. */
export class EventLogError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An event of a type or version this build does not know. */
export class UnknownEventError extends EventLogError {
  constructor(message: string) {
    super(message, 'EVENT_UNKNOWN');
  }
}

/** An event whose envelope or payload does not match its schema. */
export class InvalidEventError extends EventLogError {
  constructor(message: string) {
    super(message, 'EVENT_INVALID');
  }
}

/** The stream moved on since the caller read it: re-read, decide again, append again. */
export class ConcurrencyError extends EventLogError {
  constructor(
    readonly stream: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`stream "${stream}" is at version ${actualVersion}, expected ${expectedVersion}`, 'EVENT_CONCURRENCY');
  }
}

/** The file is not a usable contimg event log: corrupt, foreign, or from a newer build. */
export class EventLogOpenError extends EventLogError {
  constructor(message: string) {
    super(message, 'EVENT_LOG_UNUSABLE');
  }
}

/** Codes of failures that say the log could not be reached just now, not that it refused anything. */
const UNREACHABLE_CODES: readonly string[] = ['EVENT_LOG_UNREACHABLE', 'EVENT_APPEND_UNACKNOWLEDGED'];

/** The log did not answer (a broker outage): the same call may well succeed later. */
export const isLogUnreachable = (error: unknown): boolean => error instanceof EventLogError && UNREACHABLE_CODES.includes(error.code);
