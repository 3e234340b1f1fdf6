/**
 * The one schema module: every event type of every stage, its current version and its payload.
 * Validation happens here, at the boundary, before anything is written.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

export const STAGES = [
  'ingest',
  'catalog',
  'convert',
  'flag',
  'solve',
  'apply',
  'image',
  'validate',
  'crossmatch',
  'photometry',
  'mosaic',
  'index',
] as const;
export type Stage = (typeof STAGES)[number];

const strict = { additionalProperties: false } as const;
const Text = Type.String({ minLength: 1, maxLength: 4096 });
const IsoTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' });
const GroupId = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$' });
const Count = Type.Integer({ minimum: 0 });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Finite = Type.Number();
const StageName = Type.Union(STAGES.map((s) => Type.Literal(s)));
const ProcessingMode = Type.Union([Type.Literal('fresh'), Type.Literal('resume')]);
const ImageMode = Type.Union([Type.Literal('quick'), Type.Literal('full')]);
const Grade = Type.Union([Type.Literal('good'), Type.Literal('warn'), Type.Literal('bad')]);
const ErrorInfo = Type.Object({ message: Text, code: Type.Optional(Text) }, strict);
const Offset = Type.Object({ median: Finite, mad: Finite }, strict);
const Beam = Type.Object({ majorArcsec: Finite, minorArcsec: Finite, paDeg: Finite }, strict);
/** A fitted elliptical Gaussian: position, peak (Jy/beam), integrated flux (Jy), FWHM and PA east of north, each with its error; 0-based pixel x, y. */
const DetectedSource = Type.Object({
  raDeg: Finite, decDeg: Finite, raErrArcsec: Finite, decErrArcsec: Finite, peakJy: Finite, peakErrJy: Finite, intFluxJy: Finite, intFluxErrJy: Finite,
  majorArcsec: Finite, minorArcsec: Finite, paDeg: Finite, majorErrArcsec: Finite, minorErrArcsec: Finite, paErrDeg: Finite,
  x: Finite, y: Finite, localRmsJy: Finite, backgroundJy: Finite, snr: Finite, island: Count, fitted: Type.Boolean(),
}, strict);

/** `version` is the current schema version of the payload; older versions are upcast on read. */
const define = <P extends TSchema>(version: number, payload: P) => ({ version, payload });

export const EVENT_DEFINITIONS = {
  // ingest (stream: group id)
  GroupOpened: define(1, Type.Object({ groupId: GroupId, expectedSubbands: Type.Integer({ minimum: 1, maximum: 64 }), collectDeadline: IsoTime }, strict)),
  SubbandArrived: define(1, Type.Object({ groupId: GroupId, subband: Type.Integer({ minimum: 0, maximum: 63 }), path: Text, sizeBytes: Count, mtime: IsoTime }, strict)),
  GroupReady: define(1, Type.Object({ groupId: GroupId, subbands: Count }, strict)),
  SubbandLate: define(1, Type.Object({ groupId: GroupId, subband: Type.Integer({ minimum: 0, maximum: 63 }), path: Text, sizeBytes: Count }, strict)),
  GroupCollectTimedOut: define(1, Type.Object({ groupId: GroupId, missingSubbands: Type.Array(Count) }, strict)),
  FileQuarantined: define(1, Type.Object({ path: Text, quarantinePath: Text, reason: Text }, strict)),

  // queue and leases (stream: group id)
  GroupClaimed: define(1, Type.Object({ groupId: GroupId, workerId: Text, leaseExpiresAt: IsoTime, attempt: Type.Integer({ minimum: 1 }) }, strict)),
  LeaseRenewed: define(1, Type.Object({ groupId: GroupId, workerId: Text, leaseExpiresAt: IsoTime }, strict)),
  LeaseExpired: define(1, Type.Object({ groupId: GroupId, workerId: Text }, strict)),
  ProcessingStarted: define(1, Type.Object({ groupId: GroupId, mode: ProcessingMode, fromStage: StageName }, strict)),
  GroupProcessed: define(1, Type.Object({ groupId: GroupId }, strict)),
  RetryScheduled: define(1, Type.Object({ groupId: GroupId, attempt: Type.Integer({ minimum: 1 }), notBefore: IsoTime }, strict)),
  GroupDeadLettered: define(1, Type.Object({ groupId: GroupId, attempts: Count, reason: Text }, strict)),

  // stage progress, common to every per-group stage (stream: group id)
  StageStarted: define(1, Type.Object({ groupId: GroupId, stage: StageName, attempt: Type.Integer({ minimum: 1 }) }, strict)),
  StageProgress: define(1, Type.Object({ groupId: GroupId, stage: StageName, fraction: Fraction, message: Type.Optional(Text) }, strict)),
  StageCompleted: define(1, Type.Object({ groupId: GroupId, stage: StageName, attempt: Type.Integer({ minimum: 1 }), durationMs: Type.Number({ minimum: 0 }) }, strict)),
  StageFailed: define(1, Type.Object({ groupId: GroupId, stage: StageName, attempt: Type.Integer({ minimum: 1 }), error: ErrorInfo, retryable: Type.Boolean(), durationMs: Type.Number({ minimum: 0 }) }, strict)),

  // catalog (stream: catalog:<name>)
  CatalogImported: define(1, Type.Object({ catalog: Text, format: Text, sourceFile: Text, sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }), rows: Count, skipped: Count }, strict)),

  // convert
  MsWritten: define(1, Type.Object({ groupId: GroupId, msPath: Text, rows: Count, spectralWindows: Count, channels: Count, antennas: Count, integrations: Count, sizeBytes: Count, phaseCenterRaRad: Finite, phaseCenterDecRad: Finite, midMjd: Finite }, strict)),

  // flag
  FlagsComputed: define(1, Type.Object({ groupId: GroupId, msPath: Text, flaggedFraction: Fraction, perAntenna: Type.Array(Fraction), perChannel: Type.Array(Fraction), antennas: Type.Optional(Type.Array(Text)) }, strict)),

  // solve
  CalibratorSelected: define(1, Type.Object({ groupId: GroupId, calibrator: Text, fluxJy: Finite, separationDeg: Finite, reason: Text }, strict)),
  CaltableRegistered: define(1, Type.Object({ groupId: GroupId, caltableId: Text, kind: Type.Union([Type.Literal('K'), Type.Literal('BP'), Type.Literal('G')]), path: Text, validFromMjd: Finite, validToMjd: Finite, refAntenna: Text, medianSnr: Finite, flaggedFraction: Fraction, phaseRmsDeg: Type.Optional(Finite), antennasSolved: Type.Optional(Count), artifacts: Type.Optional(Type.Record(Type.String(), Text)) }, strict)),
  CalibrationRejected: define(1, Type.Object({ groupId: GroupId, msPath: Text, reason: Text, code: Text }, strict)),

  // apply
  CalibrationDeferred: define(1, Type.Object({ groupId: GroupId, msPath: Text, reason: Text }, strict)),
  CalibrationApplied: define(1, Type.Object({ groupId: GroupId, msPath: Text, caltableIds: Type.Array(Text), correctedNonZeroFraction: Fraction }, strict)),

  // image
  ImageWritten: define(1, Type.Object({ groupId: GroupId, imageId: Text, mode: ImageMode, products: Type.Record(Type.String(), Text), sizePx: Count, cellArcsec: Finite, beam: Beam }, strict)),

  // validate
  ImageQaMeasured: define(1, Type.Object({ groupId: GroupId, imageId: Text, rmsJy: Finite, peakJy: Finite, dynamicRange: Finite, beam: Beam, sourceCount: Count, grade: Grade, issues: Type.Array(Text), robustRmsJy: Type.Optional(Finite), thermalNoiseJy: Type.Optional(Finite), noiseRatio: Type.Optional(Finite), artifacts: Type.Optional(Type.Record(Type.String(), Text)) }, strict)),

  // cross-match: the sources found in the image (fitted Gaussians, Condon errors), then one CrossMatchCompleted per catalog
  SourcesFound: define(1, Type.Object({ groupId: GroupId, imageId: Text, imagePath: Text, seedSigma: Finite, floodSigma: Finite, islands: Count, sources: Type.Array(DetectedSource, { maxItems: 20000 }) }, strict)),
  CrossMatchCompleted: define(1, Type.Object({
    groupId: GroupId, imageId: Text, imagePath: Text, catalog: Text, radiusArcsec: Finite,
    detected: Count, candidates: Count, matched: Count, expected: Count, recovered: Count, completeness: Type.Optional(Fraction),
    raOffsetArcsec: Type.Optional(Offset), decOffsetArcsec: Type.Optional(Offset), rmsOffsetArcsec: Type.Optional(Finite), fluxRatio: Type.Optional(Offset),
    issues: Type.Array(Text),
    matches: Type.Array(Type.Object({ source: Count, catalogName: Text, separationArcsec: Finite, dRaArcsec: Finite, dDecArcsec: Finite, detectedFluxJy: Finite, catalogFluxJy: Finite, fluxRatio: Finite }, strict), { maxItems: 20000 }),
  }, strict)),
  CrossMatchSkipped: define(1, Type.Object({ groupId: GroupId, imageId: Text, reason: Text }, strict)),

  // photometry
  // forced photometry at catalog positions: only the sources measured (the others counted in `skipped`), bounded
  PhotometryMeasured: define(1, Type.Object({ groupId: GroupId, imageId: Text, imagePath: Text, mjd: Finite, catalogs: Type.Array(Text), skipped: Count, measurements: Type.Array(Type.Object({ sourceId: Text, raDeg: Finite, decDeg: Finite, fluxJy: Finite, errorJy: Type.Number({ exclusiveMinimum: 0 }), peakJy: Finite, rmsJy: Finite, method: Type.Union([Type.Literal('condon'), Type.Literal('peak')]) }, strict), { maxItems: 20000 }) }, strict)),

  // mosaic: an hourly mosaic (12 tiles at one declination) whose last tile this group completed
  MosaicWritten: define(1, Type.Object({ groupId: GroupId, mosaicId: Text, strip: Text, windowIndex: Type.Integer(), tiles: Type.Array(Type.Object({ imageId: Text, groupId: GroupId }, strict), { minItems: 1, maxItems: 64 }), products: Type.Record(Type.String(), Text), widthPx: Count, heightPx: Count, cellArcsec: Finite, centerRaDeg: Finite, centerDecDeg: Finite, rmsJy: Finite, peakJy: Finite, coverage: Fraction, areaDeg2: Finite }, strict)),

  // real-time degradation (stream: pipeline): the image stage drops to quick mode while the backlog is long
  PipelineDegraded: define(1, Type.Object({ backlog: Count, threshold: Count, imageMode: ImageMode }, strict)),
  PipelineRecovered: define(1, Type.Object({ backlog: Count, threshold: Count }, strict)),

  // index and operator actions (stream: operator)
  ReadModelsRebuilt: define(1, Type.Object({ throughSeq: Count, projections: Type.Array(Type.Object({ name: Text, checksum: Text }, strict)) }, strict)),
  ReprocessRequested: define(1, Type.Object({ groupId: GroupId, fromStage: StageName, operator: Text, reason: Text }, strict)),
} as const;

type Definitions = typeof EVENT_DEFINITIONS;
export type EventType = keyof Definitions;
export type PayloadOf<T extends EventType> = Static<Definitions[T]['payload']>;
export const EVENT_TYPES = Object.keys(EVENT_DEFINITIONS) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_DEFINITIONS, type);
}

const payloadChecks = new Map<EventType, TypeCheck<TSchema>>(
  EVENT_TYPES.map((type) => [type, TypeCompiler.Compile(EVENT_DEFINITIONS[type].payload)]),
);

/** The payload's validation errors as `path: message` strings (empty when valid). */
export function payloadErrors(type: EventType, payload: unknown): string[] {
  const check = payloadChecks.get(type);
  if (!check || check.Check(payload)) return [];
  return [...check.Errors(payload)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
}

export function currentVersion(type: EventType): number {
  return EVENT_DEFINITIONS[type].version;
}
