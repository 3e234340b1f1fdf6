/** Request and response schemas: one object each for validation, handler types, serialisation and OpenAPI. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { GROUP_STATUSES } from '../domain/groupLifecycle.js';
import { EVENT_TYPES, STAGES } from '../eventlog/schema.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
/**
 * `T | null` as `nullable: true` (OpenAPI 3.0, ajv and fast-json-stringify all read it), not an
 * anyOf: fast-json-stringify picks an anyOf branch by running a validator on every value it writes.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });

export const GroupId = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$', description: 'group id: the UTC time of its first integration' });
export const GroupStatus = literals(GROUP_STATUSES);
export const StageName = literals(STAGES);
export const EventTypeName = literals(EVENT_TYPES);
const StreamId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$' });
const Seq = Type.Integer({ minimum: 0 });

export const ErrorReply = Type.Object({ error: Type.String(), message: Type.String() });
export const errorReplies = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 422: ErrorReply };

export const Health = Type.Object({ status: Type.Literal('ok'), head: Seq, projectedThrough: Seq });

export const StageTiming = Type.Object({
  stage: Type.String(),
  runs: Type.Integer(),
  failures: Type.Integer(),
  meanMs: Nullable(Type.Number()),
  minMs: Nullable(Type.Number()),
  maxMs: Nullable(Type.Number()),
  lastMs: Nullable(Type.Number()),
});

export const Status = Type.Object({
  head: Seq,
  projectedThrough: Seq,
  projectionLag: Seq,
  queue: Type.Object({
    counts: Type.Record(GroupStatus, Type.Integer()),
    total: Type.Integer(),
    backlog: Type.Integer(),
    oldestPending: Nullable(Type.String()),
  }),
  stages: Type.Array(StageTiming),
  realtime: Type.Object({
    groupsInLastHour: Type.Integer({ description: 'groups that became complete in the last hour' }),
    groupsOutLastHour: Type.Integer({ description: 'groups processed to completion in the last hour' }),
    budgetSeconds: Type.Number({ description: 'the cadence: a new group every 309.24 s' }),
    slowestStage: Nullable(Type.Object({ stage: Type.String(), meanSeconds: Type.Number() })),
    meanSecondsPerGroup: Type.Number(),
    keepingUp: Nullable(Type.Boolean({ description: 'the slowest stage fits in the cadence' })),
  }),
});

export const GroupsQuery = Type.Object(
  {
    state: Type.Optional(GroupStatus),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    before: Type.Optional(GroupId),
  },
  { additionalProperties: false },
);

const GroupOverview = Type.Object({
  groupId: Type.String(),
  status: GroupStatus,
  subbandCount: Type.Integer(),
  expectedSubbands: Type.Integer(),
  missingSubbands: Type.Array(Type.Integer()),
  openedAt: Type.String(),
  updatedAt: Type.String(),
  ageSeconds: Type.Number({ description: 'seconds since the first subband arrived' }),
  lastError: Nullable(Type.String()),
});

export const GroupPage = Type.Object({
  groups: Type.Array(GroupOverview),
  next: Nullable(Type.String({ description: 'pass as `before` for the next page' })),
});

export const GroupParams = Type.Object({ id: GroupId });

export const GroupDetail = Type.Object({
  groupId: Type.String(),
  status: GroupStatus,
  expectedSubbands: Type.Integer(),
  subbands: Type.Array(Type.Integer()),
  missingSubbands: Type.Array(Type.Integer()),
  openedAt: Type.String(),
  collectDeadline: Type.String(),
  readyAt: Nullable(Type.String()),
  attempts: Type.Integer(),
  currentStage: Nullable(Type.String()),
  lastCompletedStage: Nullable(Type.String()),
  resumeFrom: Nullable(Type.String()),
  notBefore: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  updatedAt: Type.String(),
  files: Type.Array(
    Type.Object({ subband: Type.Integer(), path: Type.String(), sizeBytes: Type.Integer(), mtime: Type.String(), arrivedAt: Type.String() }),
  ),
  stages: Type.Array(
    Type.Object({
      stage: Type.String(),
      status: Type.String(),
      attempt: Type.Integer(),
      startedAt: Type.String(),
      finishedAt: Nullable(Type.String()),
      durationMs: Nullable(Type.Number()),
      fraction: Type.Number(),
      message: Nullable(Type.String()),
      error: Nullable(Type.String()),
    }),
  ),
});

export const ReprocessBody = Type.Object(
  { fromStage: StageName, reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);

export const ReprocessReply = Type.Object({ groupId: Type.String(), seq: Seq, operator: Type.String() });

export const StoredEventSchema = Type.Object({
  seq: Seq,
  id: Type.String(),
  stream: Type.String(),
  streamVersion: Type.Integer(),
  type: Type.String(),
  version: Type.Integer(),
  time: Type.String(),
  causationId: Nullable(Type.String()),
  correlationId: Nullable(Type.String()),
  payload: Type.Unknown(),
});

export const EventsQuery = Type.Object(
  {
    after: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    type: Type.Optional(EventTypeName),
    stream: Type.Optional(StreamId),
  },
  { additionalProperties: false },
);

export const EventPage = Type.Object({
  events: Type.Array(StoredEventSchema),
  next: Type.Integer({ description: 'the last sequence scanned: pass as `after` for the next page' }),
  head: Seq,
});

export const LiveQuery = Type.Object(
  {
    after: Type.Optional(Seq),
    types: Type.Optional(Type.String({ pattern: `^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`, description: 'comma-separated event types' })),
    stream: Type.Optional(StreamId),
  },
  { additionalProperties: false },
);

export type StatusSnapshot = Static<typeof Status>;

const Beam = Type.Object({ majorArcsec: Type.Number(), minorArcsec: Type.Number(), paDeg: Type.Number() });

export const MsEntry = Type.Object({
  groupId: Type.String(),
  msPath: Type.String(),
  rows: Type.Integer(),
  spectralWindows: Type.Integer(),
  channels: Type.Integer(),
  antennas: Type.Integer(),
  integrations: Type.Integer(),
  sizeBytes: Type.Integer(),
  raDeg: Type.Number({ description: 'phase centre, J2000' }),
  decDeg: Type.Number(),
  midMjd: Type.Number(),
  writtenAt: Type.String(),
});
export const MsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), before: Type.Optional(GroupId) },
  { additionalProperties: false },
);
export const MsPage = Type.Object({ ms: Type.Array(MsEntry), next: Nullable(Type.String({ description: 'pass as `before` for the next page' })) });

export const ImageEntry = Type.Object({
  imageId: Type.String(),
  groupId: Type.String(),
  mode: Type.String(),
  products: Type.Record(Type.String(), Type.String(), { description: 'product name → file; download with /images/{id}/files/{product}' }),
  sizePx: Type.Integer(),
  cellArcsec: Type.Number(),
  beam: Beam,
  writtenAt: Type.String(),
  qa: Nullable(
    Type.Object({
      rmsJy: Type.Number(),
      peakJy: Type.Number(),
      dynamicRange: Type.Number(),
      sourceCount: Type.Integer(),
      grade: Type.String(),
      issues: Type.Array(Type.String()),
      assessedAt: Type.String(),
    }),
  ),
});
export const ImagesQuery = Type.Object(
  {
    grade: Type.Optional(literals(['good', 'warn', 'bad'])),
    mode: Type.Optional(literals(['quick', 'full'])),
    since: Type.Optional(GroupId),
    until: Type.Optional(GroupId),
    sort: Type.Union(['time', 'rms', 'dynamicRange', 'sources'].map((v) => Type.Literal(v)), { default: 'time' }),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);
export const ImagePage = Type.Object({ images: Type.Array(ImageEntry), total: Type.Integer() });
export const ImageParams = Type.Object({ id: StreamId });
export const ImageFileParams = Type.Object({ id: StreamId, product: Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }) });
export const FileReply = Type.Any({ description: 'the file, streamed (FITS, PNG, JSON or text)' });

const Degrees = Nullable(Type.Number({ description: 'degrees, J2000; null where the projection has no sky position' }));
export const SkyImageView = Type.Object({
  imageId: Type.String(),
  product: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  planes: Type.Integer({ description: 'planes beyond the first two axes; the viewer shows the first' }),
  unit: Nullable(Type.String()),
  frequencyHz: Nullable(Type.Number()),
  centre: Type.Object({ raDeg: Degrees, decDeg: Degrees }),
  radiusDeg: Type.Number({ description: 'the cone around the centre that holds the whole image' }),
});
const PixelCoordinate = Type.Number({ minimum: -1e6, maximum: 1e6, description: 'FITS pixel coordinate: 1 is the centre of the first pixel' });
export const SkyPositionQuery = Type.Object({ x: PixelCoordinate, y: PixelCoordinate }, { additionalProperties: false });
export const SkyPosition = Type.Object({
  x: Type.Number(),
  y: Type.Number(),
  raDeg: Degrees,
  decDeg: Degrees,
  value: Nullable(Type.Number({ description: 'the nearest pixel of the first plane; null off the image or blank' })),
});
export const FieldSourcesQuery = Type.Object(
  {
    catalog: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
    minFluxJy: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6 })),
    limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  },
  { additionalProperties: false },
);
export const FieldSources = Type.Object({
  catalogs: Type.Array(Type.String(), { description: 'the catalogs the database holds' }),
  sources: Type.Array(
    Type.Object({ catalog: Type.String(), name: Type.String(), raDeg: Type.Number(), decDeg: Type.Number(), fluxJy: Type.Number(), x: Type.Number(), y: Type.Number() }),
    { description: 'brightest first; x, y FITS pixel coordinates' },
  ),
  truncated: Type.Boolean({ description: 'more sources in the field than `limit`' }),
});

export const Caltable = Type.Object({
  caltableId: Type.String(),
  groupId: Type.String({ description: 'the calibrator group whose solve made it' }),
  kind: literals(['K', 'BP', 'G'] as const),
  path: Type.String(),
  validFromMjd: Type.Number(),
  validToMjd: Type.Number(),
  refAntenna: Type.String(),
  medianSnr: Type.Number(),
  flaggedFraction: Type.Number(),
  registeredAt: Type.String(),
  artifacts: Type.Record(Type.String(), Type.String(), { description: 'QA plots by key; fetch with /caltables/{id}/artifacts/{key}' }),
});
export const CaltableArtifactParams = Type.Object({ id: StreamId, key: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }) });
const Mjd = Type.Number({ minimum: 40000, maximum: 100000, description: 'modified Julian date (UTC)' });
export const CaltablesQuery = Type.Object({ fromMjd: Type.Optional(Mjd), toMjd: Type.Optional(Mjd) }, { additionalProperties: false });
export const CaltableList = Type.Object({ caltables: Type.Array(Caltable) });
export const ActiveCalibrationQuery = Type.Object({ mjd: Mjd }, { additionalProperties: false });
export const ActiveCalibration = Type.Object({
  groupId: Type.String(),
  tables: Type.Array(Caltable),
  separationHours: Type.Number({ description: 'hours between the time asked and the set’s validity window; 0 when it covers it' }),
  warning: Nullable(Type.String()),
});

const Flux = Nullable(Type.Number({ description: 'Jy; null with fewer than 3 epochs' }));
const Statistic = Nullable(Type.Number({ description: 'null with fewer than 3 epochs' }));
export const SourceId = Type.String({ minLength: 3, maxLength: 200, pattern: '^[^:\\s/]+:[^\\u0000-\\u001f]+$', description: 'catalog:name (URL-encode it in a path)' });
export const SourceParams = Type.Object({ id: SourceId });
export const SourcesQuery = Type.Object(
  {
    ra: Type.Optional(Type.Number({ minimum: 0, maximum: 360, description: 'cone centre, degrees J2000; with dec and radius' })),
    dec: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    radius: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 180, description: 'cone radius, degrees' })),
    minEpochs: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    variable: Type.Optional(Type.Boolean({ description: 'only sources flagged variable' })),
    ese: Type.Optional(Type.Boolean({ description: 'only extreme-scattering-event candidates' })),
    sort: Type.Union((['id', 'eta', 'v', 'flux', 'epochs'] as const).map((v) => Type.Literal(v)), { default: 'id', description: 'flux: the weighted mean' }),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);
export const SourceEntry = Type.Object({
  sourceId: Type.String(),
  raDeg: Type.Number(),
  decDeg: Type.Number(),
  epochs: Type.Integer(),
  firstMjd: Type.Number(),
  lastMjd: Type.Number(),
  meanFluxJy: Flux,
  weightedMeanFluxJy: Flux,
  stdFluxJy: Flux,
  eta: Statistic,
  v: Statistic,
  vs: Statistic,
  m: Statistic,
  chi2: Statistic,
  sigmaDeviation: Statistic,
  variable: Type.Boolean(),
  eseCandidate: Type.Boolean(),
});
export const SourcePage = Type.Object({ sources: Type.Array(SourceEntry), total: Type.Integer() });
export const LightCurve = Type.Object({
  sourceId: Type.String(),
  points: Type.Array(
    Type.Object({
      groupId: Type.String(),
      imageId: Type.String(),
      mjd: Type.Number(),
      fluxJy: Type.Number(),
      errorJy: Type.Number(),
      peakJy: Type.Number(),
      rmsJy: Type.Number(),
      method: Type.String(),
      correction: Nullable(Type.Number({ description: 'ensemble correction; null when the flux is not normalised' })),
      referenceCount: Type.Integer(),
      normalizedFluxJy: Type.Number(),
      normalizedErrorJy: Type.Number(),
    }),
    { description: 'oldest first' },
  ),
});
export const CandidatesQuery = Type.Object(
  {
    kind: Type.Union([Type.Literal('any'), Type.Literal('variable'), Type.Literal('ese')], { default: 'any' }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export const CandidateList = Type.Object({ candidates: Type.Array(SourceEntry, { description: 'largest η first' }) });
export const ImageSources = Type.Object({
  imageId: Type.String(),
  sources: Type.Array(
    Type.Object({
      source: Type.Integer(),
      raDeg: Type.Number(),
      decDeg: Type.Number(),
      peakJy: Type.Number(),
      intFluxJy: Type.Number(),
      intFluxErrJy: Type.Number(),
      snr: Type.Number(),
      matches: Type.Array(Type.Object({ catalog: Type.String(), catalogName: Type.String(), separationArcsec: Type.Number(), fluxRatio: Type.Number() })),
    }),
    { description: 'brightest first' },
  ),
  crossmatch: Type.Array(
    Type.Object({
      catalog: Type.String({ description: "'' when the image was not cross-matched" }),
      skippedReason: Nullable(Type.String()),
      matched: Nullable(Type.Integer()),
      detected: Nullable(Type.Integer()),
      completeness: Nullable(Type.Number()),
      rmsOffsetArcsec: Nullable(Type.Number()),
      fluxRatioMedian: Nullable(Type.Number()),
      issues: Type.Array(Type.String()),
    }),
  ),
});
export const MosaicsQuery = Type.Object(
  {
    strip: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._+-]{1,64}$' })),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);
export const MosaicList = Type.Object({
  mosaics: Type.Array(
    Type.Object({
      mosaicId: Type.String(),
      strip: Type.String(),
      windowIndex: Type.Integer(),
      tiles: Type.Array(Type.Object({ imageId: Type.String(), groupId: Type.String() })),
      products: Type.Record(Type.String(), Type.String()),
      widthPx: Type.Integer(),
      heightPx: Type.Integer(),
      cellArcsec: Type.Number(),
      centerRaDeg: Type.Number(),
      centerDecDeg: Type.Number(),
      rmsJy: Type.Number(),
      peakJy: Type.Number(),
      coverage: Type.Number(),
      areaDeg2: Type.Number(),
      writtenAt: Type.String(),
    }),
    { description: 'newest first' },
  ),
  total: Type.Integer(),
});
