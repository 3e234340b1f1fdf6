import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EventLogOpenError } from './errors.js';
import { assertKnownStored, type NewEvent, type ValidatedEvent } from './event.js';
import type { ExpectedVersion } from './eventLog.js';

/** Marks a Kafka record as one contimg append; a future incompatible layout gets a new marker. */
const FORMAT = 'contimg.append/1';

const Identifier = Type.String({ minLength: 1 });
const NullableIdentifier = Type.Union([Identifier, Type.Null()]);
const AppendRecordSchema = Type.Object({
  format: Type.Literal(FORMAT),
  stream: Identifier,
  expectedVersion: Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('any')]),
  events: Type.Array(
    Type.Object({
      id: Identifier,
      type: Identifier,
      version: Type.Integer({ minimum: 1 }),
      time: Identifier,
      causationId: NullableIdentifier,
      correlationId: NullableIdentifier,
      payload: Type.Unknown(),
    }),
    { minItems: 1 },
  ),
});
const checkAppendRecord = TypeCompiler.Compile(AppendRecordSchema);

/** One append as it travels through Kafka: the whole batch in one record, so it lands whole or not at all. */
export type AppendRecord = Static<typeof AppendRecordSchema>;

export function encodeAppend(stream: string, expectedVersion: ExpectedVersion, events: readonly ValidatedEvent[]): Buffer {
  const record: AppendRecord = { format: FORMAT, stream, expectedVersion, events: [...events] };
  return Buffer.from(JSON.stringify(record));
}

/**
 * Reads one record of the topic back. Anything that is not a contimg append (another producer
 * writing to the topic, a damaged record) is refused naming its place: the log cannot be folded
 * past it.
 */
export function decodeAppend(value: Buffer | null, where: string): AppendRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString('utf8') ?? 'null');
  } catch (err) {
    throw new EventLogOpenError(`${where} is not a contimg event batch: not JSON (${(err as Error).message})`);
  }
  if (!checkAppendRecord.Check(parsed)) {
    const first = checkAppendRecord.Errors(parsed).First();
    throw new EventLogOpenError(`${where} is not a contimg event batch: ${first ? `${first.path || '/'} ${first.message}` : 'bad shape'}`);
  }
  for (const event of parsed.events) assertKnownStored(event.type, event.version);
  return parsed;
}

/** The events of a record as a new batch, ids and times kept, so every reader folds it identically. */
export function newEventsOf(record: AppendRecord): NewEvent[] {
  return record.events.map(
    (event) =>
      ({
        id: event.id,
        type: event.type,
        time: event.time,
        payload: event.payload,
        ...(event.causationId === null ? {} : { causationId: event.causationId }),
        ...(event.correlationId === null ? {} : { correlationId: event.correlationId }),
      }) as NewEvent,
  );
}
