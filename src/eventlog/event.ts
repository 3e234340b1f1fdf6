import { randomUUID } from 'node:crypto';
import { InvalidEventError, UnknownEventError } from './errors.js';
import { currentVersion, EVENT_TYPES, isEventType, payloadErrors, type EventType, type PayloadOf } from './schema.js';

/** A domain event: its type and the payload that type defines. Narrow on `type`. */
export type DomainEvent = { [K in EventType]: { readonly type: K; readonly payload: PayloadOf<K> } }[EventType];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

export interface EventMetadata {
  /** Unique id; generated when absent. A deterministic id makes a retried append fail loudly instead of duplicating. */
  readonly id?: string;
  /** When the fact happened, ISO 8601; taken from the command, never from the log, so replays are identical. */
  readonly time: string;
  readonly causationId?: string;
  readonly correlationId?: string;
}

export type NewEvent = DomainEvent & EventMetadata;

/** An event as stored: the envelope with its global sequence and its version within its stream. */
export type StoredEvent = DomainEvent & {
  readonly seq: number;
  readonly id: string;
  readonly stream: string;
  readonly streamVersion: number;
  /** Schema version of the payload. */
  readonly version: number;
  readonly time: string;
  readonly causationId: string | null;
  readonly correlationId: string | null;
};

/** Stream and event ids: safe in file names, URLs and Kafka keys. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An event ready to be written: validated, with its id and schema version filled in. */
export interface ValidatedEvent {
  readonly id: string;
  readonly type: EventType;
  readonly version: number;
  readonly time: string;
  readonly causationId: string | null;
  readonly correlationId: string | null;
  readonly payload: unknown;
}

/**
 * Validates a batch for one stream at the boundary. Throws on the first bad event, so a batch is
 * written whole or not at all.
 */
export function validateBatch(stream: string, events: readonly NewEvent[]): ValidatedEvent[] {
  if (!IDENTIFIER.test(stream)) {
    throw new InvalidEventError(`invalid stream id ${JSON.stringify(stream)}: letters, digits and :._- only, at most 200 characters`);
  }
  if (events.length === 0) throw new InvalidEventError(`empty batch for stream "${stream}"`);
  return events.map((event, index) => validateEvent(stream, event, index));
}

function validateEvent(stream: string, event: NewEvent, index: number): ValidatedEvent {
  const where = `event ${index} of the batch for stream "${stream}"`;
  const raw = event as unknown as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null) throw new InvalidEventError(`${where} is not an object`);
  const type = raw['type'];
  if (typeof type !== 'string' || !isEventType(type)) {
    throw new UnknownEventError(`${where} has unknown type ${JSON.stringify(type)}; known types: ${EVENT_TYPES.join(', ')}`);
  }
  if (typeof raw['time'] !== 'string' || !ISO_TIME.test(raw['time']) || Number.isNaN(Date.parse(raw['time']))) {
    throw new InvalidEventError(`${where} (${type}) needs an ISO 8601 time, got ${JSON.stringify(raw['time'])}`);
  }
  for (const key of ['id', 'causationId', 'correlationId'] as const) {
    const value = raw[key];
    if (value !== undefined && (typeof value !== 'string' || !IDENTIFIER.test(value))) {
      throw new InvalidEventError(`${where} (${type}) has an invalid ${key} ${JSON.stringify(value)}`);
    }
  }
  const errors = payloadErrors(type, raw['payload']);
  if (errors.length > 0) throw new InvalidEventError(`${where} (${type}) has an invalid payload: ${errors.join('; ')}`);
  return {
    id: event.id ?? timeOrderedId(),
    type,
    version: currentVersion(type),
    time: event.time,
    causationId: event.causationId ?? null,
    correlationId: event.correlationId ?? null,
    payload: event.payload,
  };
}

/** Checks a stored event's type and version against this build. */
export function assertKnownStored(type: string, version: number): asserts type is EventType {
  if (!isEventType(type)) throw new UnknownEventError(`the log holds an event of unknown type "${type}": written by a newer contimg?`);
  if (version > currentVersion(type)) {
    throw new UnknownEventError(`the log holds ${type} version ${version}; this build knows up to version ${currentVersion(type)}`);
  }
}

/**
 * A UUIDv7: the current Unix time in ms, then random bits. Ids generated close in time sort close
 * together, so the log's unique index on `id` grows at its right edge instead of at random pages.
 */
export function timeOrderedId(): string {
  const ms = Date.now().toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
