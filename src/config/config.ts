/**
 * The one configuration module. Each setting is declared once with its schema, default,
 * environment variable and command-line flag; values come from (weakest first) the default, the
 * configuration file, the environment, then flags. `loadConfig` validates all of them and says
 * where each effective value came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

interface Setting<S extends TSchema> {
  readonly schema: S;
  readonly default: Static<S>;
  readonly env: string;
  /** The commander option name (camelCase) that sets it, if any. */
  readonly flag?: string;
  readonly description: string;
  /** Never printed: `contimg config` and error messages show it as "***". */
  readonly secret?: boolean;
}

const setting = <S extends TSchema>(s: Setting<S>) => s;

export const SETTINGS = {
  dataDir: setting({
    schema: Type.String({ minLength: 1 }),
    default: './data',
    env: 'CONTIMG_DATA',
    flag: 'data',
    description: 'directory of all state: state/ (event log, read models), ms/, images/, caltables/, qa/, quarantine/',
  }),
  logLevel: setting({
    schema: LogLevel,
    default: 'info',
    env: 'CONTIMG_LOG_LEVEL',
    flag: 'logLevel',
    description: 'pino log level',
  }),
  'eventLog.synchronous': setting({
    schema: Type.Union([Type.Literal('full'), Type.Literal('normal')]),
    default: 'full',
    env: 'CONTIMG_EVENT_LOG_SYNCHRONOUS',
    description: "SQLite event log durability: 'full' survives power loss, 'normal' only a process crash",
  }),
  'eventLog.brokers': setting({
    schema: Type.Union([Type.Null(), Type.String({ minLength: 1 })]),
    default: null,
    env: 'CONTIMG_KAFKA_BROKERS',
    flag: 'brokers',
    description: 'cluster mode: the event log on Kafka, bootstrap brokers HOST:PORT[,HOST:PORT...] (unset: the embedded SQLite log)',
  }),
  'eventLog.topic': setting({
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$' }),
    default: 'contimg-events',
    env: 'CONTIMG_KAFKA_TOPIC',
    flag: 'topic',
    description: "cluster mode: the event log's topic",
  }),
  incomingDir: setting({
    schema: Type.String({ minLength: 1 }),
    default: './incoming',
    env: 'CONTIMG_INCOMING',
    flag: 'incoming',
    description: 'directory the correlator writes subband files into (watched by `contimg run`)',
  }),
  'ingest.expectedSubbands': setting({
    schema: Type.Integer({ minimum: 1, maximum: 64 }),
    default: 16,
    env: 'CONTIMG_INGEST_EXPECTED_SUBBANDS',
    description: 'subband files that make a complete group',
  }),
  'ingest.toleranceSeconds': setting({
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 150 }),
    default: 120,
    env: 'CONTIMG_INGEST_TOLERANCE_SECONDS',
    description: "files whose name timestamps lie within this of a group's first file belong to that group",
  }),
  'ingest.collectTimeoutSeconds': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 600,
    env: 'CONTIMG_INGEST_COLLECT_TIMEOUT_SECONDS',
    description: 'a group still missing subbands this long after its first file arrived fails as incomplete',
  }),
  'ingest.polling': setting({
    schema: Type.Boolean(),
    default: false,
    env: 'CONTIMG_INGEST_POLLING',
    description: 'poll the incoming directory instead of inotify (network filesystems)',
  }),
  'ingest.stableMs': setting({
    schema: Type.Integer({ minimum: 50 }),
    default: 500,
    env: 'CONTIMG_INGEST_STABLE_MS',
    description: 'a file counts as written once its size has not changed for this long',
  }),
  'ingest.readAttempts': setting({
    schema: Type.Integer({ minimum: 1 }),
    default: 5,
    env: 'CONTIMG_INGEST_READ_ATTEMPTS',
    description: 'tries to read a new file’s HDF5 header before it is quarantined as unreadable',
  }),
  'ingest.readRetryMs': setting({
    schema: Type.Integer({ minimum: 0 }),
    default: 1000,
    env: 'CONTIMG_INGEST_READ_RETRY_MS',
    description: 'wait between those tries',
  }),
  'process.inFlightGroups': setting({
    schema: Type.Integer({ minimum: 1, maximum: 64 }),
    default: 2,
    env: 'CONTIMG_PROCESS_IN_FLIGHT_GROUPS',
    description: 'groups processed at once; each stage still runs one group at a time, so two groups pipeline (one converting while the other images)',
  }),
  'process.leaseSeconds': setting({
    schema: Type.Number({ minimum: 1 }),
    default: 60,
    env: 'CONTIMG_PROCESS_LEASE_SECONDS',
    description: "a worker's claim on a group lasts this long unless renewed (renewed every third of it); an expired lease returns the group to pending",
  }),
  'process.maxAttempts': setting({
    schema: Type.Integer({ minimum: 1 }),
    default: 3,
    env: 'CONTIMG_PROCESS_MAX_ATTEMPTS',
    description: 'attempts at a group after a retryable failure before it is dead-lettered',
  }),
  'process.stages': setting({
    schema: Type.String({ pattern: '^[a-z]+(,[a-z]+)*$' }),
    default: 'convert,flag,solve,apply,image,validate,crossmatch,photometry,mosaic',
    env: 'CONTIMG_PROCESS_STAGES',
    description: 'the stages a group goes through, comma-separated, run in pipeline order (e.g. convert alone on a node that only converts)',
  }),
  'process.degradeBacklog': setting({
    schema: Type.Integer({ minimum: 0 }),
    default: 4,
    env: 'CONTIMG_PROCESS_DEGRADE_BACKLOG',
    description: 'with this many groups waiting or in processing the image stage drops to quick mode, until the backlog is down to half; 0 never',
  }),
  'process.retryBackoffSeconds': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 30,
    env: 'CONTIMG_PROCESS_RETRY_BACKOFF_SECONDS',
    description: 'wait before the first retry; doubled for each later one',
  }),
  'flag.strategy': setting({
    schema: Type.Union([Type.Null(), Type.String({ minLength: 1 })]),
    default: null,
    env: 'CONTIMG_FLAG_STRATEGY',
    description: "the flag stage's AOFlagger Lua strategy file (unset: contimg's DSA-110 strategy, src/science/flag/strategies/dsa110.lua)",
  }),
  'flag.threads': setting({
    schema: Type.Integer({ minimum: 0 }),
    default: 0,
    env: 'CONTIMG_FLAG_THREADS',
    description: 'AOFlagger threads in the flag stage; 0 uses every core',
  }),
  'calibrate.solveDelay': setting({
    schema: Type.Boolean(),
    default: false,
    env: 'CONTIMG_CALIBRATE_SOLVE_DELAY',
    description: 'also solve antenna delays (a CASA K table, applied before the bandpass) on calibrator groups',
  }),
  'calibrate.solveWaitSeconds': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 120,
    env: 'CONTIMG_CALIBRATE_SOLVE_WAIT_SECONDS',
    description: 'a target waits up to this long at apply for a running calibrator solve that would calibrate it better than the set available now, then goes on uncalibrated (re-applied later); 0 never waits',
  }),
  'image.mode': setting({
    schema: Type.Union([Type.Literal('full'), Type.Literal('quick')]),
    default: 'full',
    env: 'CONTIMG_IMAGE_MODE',
    description: "imaging mode of the pipeline's image stage: 'full' (the whole field, deep clean) or 'quick' (operator quick-look)",
  }),
  'image.fieldDeg': setting({
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 30 }),
    default: 3.5,
    env: 'CONTIMG_IMAGE_FIELD_DEG',
    description: 'side of the full-mode image, degrees',
  }),
  'image.pixelsPerBeam': setting({
    schema: Type.Number({ minimum: 3, maximum: 10 }),
    default: 4,
    env: 'CONTIMG_IMAGE_PIXELS_PER_BEAM',
    description: 'pixels across λ_min / B_max (sets the cell); the Briggs-0 beam is narrower than λ/B (~10″ across, against 16.5″): 6 keeps point-source fluxes within 1 % (4: 3 %), but at 2.5 × the full-mode time with niter 20000',
  }),
  'image.niter': setting({
    schema: Type.Integer({ minimum: 0 }),
    default: 1000,
    env: 'CONTIMG_IMAGE_NITER',
    description: 'full-mode clean iterations at most (the auto-threshold may end the clean first); science-grade: 20000 (1000 leaves sidelobes: noise 1.3 × thermal)',
  }),
  'image.quickSizePx': setting({
    schema: Type.Integer({ minimum: 64, maximum: 512 }),
    default: 512,
    env: 'CONTIMG_IMAGE_QUICK_SIZE_PX',
    description: 'quick-mode image side, pixels (same cell as full mode)',
  }),
  'image.quickNiter': setting({
    schema: Type.Integer({ minimum: 0, maximum: 300 }),
    default: 300,
    env: 'CONTIMG_IMAGE_QUICK_NITER',
    description: 'quick-mode clean iterations',
  }),
  'image.quickGridderAccuracy': setting({
    schema: Type.Number({ minimum: 1e-6, maximum: 1e-2 }),
    default: 1e-3,
    env: 'CONTIMG_IMAGE_QUICK_GRIDDER_ACCURACY',
    description: "quick mode's w-gridder accuracy (WSClean -wgridder-accuracy; full mode keeps its 1e-4): 1e-3 takes ~20 % less CPU, errors far below a quick image's noise",
  }),
  'image.quickMajorCycles': setting({
    schema: Type.Integer({ minimum: 0, maximum: 20 }),
    default: 3,
    env: 'CONTIMG_IMAGE_QUICK_MAJOR_CYCLES',
    description: 'quick mode cleans with at most this many major cycles (image.mgain; each costs two more passes through the data); 0 cleans the dirty image once (Högbom): on a 24-antenna group 0, 2 and 3 leave 3.7, 1.5 and 1.03 × the noise of no limit',
  }),
  'image.robust': setting({
    schema: Type.Number({ minimum: -2, maximum: 2 }),
    default: 0,
    env: 'CONTIMG_IMAGE_ROBUST',
    description: 'Briggs robustness',
  }),
  'image.minUvLambda': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 50,
    env: 'CONTIMG_IMAGE_MIN_UV_LAMBDA',
    description: 'shortest baseline imaged, wavelengths (drops the shortest spacings, most open to crosstalk)',
  }),
  'image.autoMask': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 3,
    env: 'CONTIMG_IMAGE_AUTO_MASK',
    description: "WSClean -auto-mask (σ)",
  }),
  'image.autoThreshold': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 0.5,
    env: 'CONTIMG_IMAGE_AUTO_THRESHOLD',
    description: 'WSClean -auto-threshold (σ)',
  }),
  'image.mgain': setting({
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    default: 0.8,
    env: 'CONTIMG_IMAGE_MGAIN',
    description: 'WSClean -mgain (major-cycle gain)',
  }),
  'image.threads': setting({
    schema: Type.Integer({ minimum: 0 }),
    default: 0,
    env: 'CONTIMG_IMAGE_THREADS',
    description: 'WSClean threads; 0 = every core',
  }),
  'image.timeoutSeconds': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 1800,
    env: 'CONTIMG_IMAGE_TIMEOUT_SECONDS',
    description: 'a WSClean run longer than this is killed and the stage fails',
  }),
  'image.pbCutoff': setting({
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    default: 0.2,
    env: 'CONTIMG_IMAGE_PB_CUTOFF',
    description: 'the primary-beam-corrected image is blank where the beam response is below this',
  }),
  'image.maxSmearingLoss': setting({
    schema: Type.Number({ minimum: 0, maximum: 0.1 }),
    default: 0.01,
    env: 'CONTIMG_IMAGE_MAX_SMEARING_LOSS',
    description: "WSClean's baseline-dependent time averaging may lower a source at the image corner by at most this fraction (on a full-size group: 79 % of the rows left in full mode, 31 % in quick mode's small field); 0 = no averaging",
  }),
  'qa.warnDynamicRange': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 10,
    env: 'CONTIMG_QA_WARN_DYNAMIC_RANGE',
    description: 'image QA grades warn below this dynamic range (peak / rms)',
  }),
  'qa.badDynamicRange': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 5,
    env: 'CONTIMG_QA_BAD_DYNAMIC_RANGE',
    description: 'image QA grades bad below this dynamic range',
  }),
  'qa.warnNoiseRatio': setting({
    schema: Type.Number({ minimum: 1 }),
    default: 1.5,
    env: 'CONTIMG_QA_WARN_NOISE_RATIO',
    description: 'image QA grades warn when the source-free rms exceeds the thermal noise by this factor',
  }),
  'qa.badNoiseRatio': setting({
    schema: Type.Number({ minimum: 1 }),
    default: 3,
    env: 'CONTIMG_QA_BAD_NOISE_RATIO',
    description: 'image QA grades bad when the source-free rms exceeds the thermal noise by this factor',
  }),
  'sources.seedSigma': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 5,
    env: 'CONTIMG_SOURCES_SEED_SIGMA',
    description: 'the source finder starts an island at pixels this many local σ above the local background',
  }),
  'sources.floodSigma': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 3,
    env: 'CONTIMG_SOURCES_FLOOD_SIGMA',
    description: 'and grows it through neighbouring pixels this many local σ above it (at most sources.seedSigma)',
  }),
  'crossmatch.catalogs': setting({
    schema: Type.String({ pattern: '^([A-Za-z0-9][A-Za-z0-9._-]*(,[A-Za-z0-9][A-Za-z0-9._-]*)*)?$' }),
    default: '',
    env: 'CONTIMG_CROSSMATCH_CATALOGS',
    description: 'the imported catalogs the crossmatch stage matches against, comma-separated; empty: every imported one',
  }),
  'crossmatch.radiusArcsec': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 10,
    env: 'CONTIMG_CROSSMATCH_RADIUS_ARCSEC',
    description: 'a detected source matches the nearest catalog source within this radius',
  }),
  'crossmatch.maxFluxRatioOffset': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 0.2,
    env: 'CONTIMG_CROSSMATCH_MAX_FLUX_RATIO_OFFSET',
    description: 'an issue when the median detected/catalog flux ratio is off 1 by more than this',
  }),
  'crossmatch.maxAstrometricRmsArcsec': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 5,
    env: 'CONTIMG_CROSSMATCH_MAX_ASTROMETRIC_RMS_ARCSEC',
    description: 'an issue when the rms of the match offsets exceeds this',
  }),
  'crossmatch.maxSystematicArcsec': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 2,
    env: 'CONTIMG_CROSSMATCH_MAX_SYSTEMATIC_ARCSEC',
    description: 'an issue when the median offset (RA and Dec together) exceeds this',
  }),
  'crossmatch.minCompleteness': setting({
    schema: Type.Number({ minimum: 0, maximum: 1 }),
    default: 0.7,
    env: 'CONTIMG_CROSSMATCH_MIN_COMPLETENESS',
    description: 'an issue when a smaller fraction of the catalog sources above crossmatch.completenessSigma is detected',
  }),
  'crossmatch.completenessSigma': setting({
    schema: Type.Number({ exclusiveMinimum: 0 }),
    default: 10,
    env: 'CONTIMG_CROSSMATCH_COMPLETENESS_SIGMA',
    description: 'catalog sources at least this many local σ bright count towards completeness',
  }),
  'crossmatch.minMatches': setting({
    schema: Type.Integer({ minimum: 1 }),
    default: 3,
    env: 'CONTIMG_CROSSMATCH_MIN_MATCHES',
    description: 'with fewer matches astrometry and flux scale are not judged (an issue itself)',
  }),
  'photometry.catalogs': setting({
    schema: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*(,[A-Za-z0-9][A-Za-z0-9._-]*)*$' }),
    default: 'nvss',
    env: 'CONTIMG_PHOTOMETRY_CATALOGS',
    description: 'forced photometry measures the sources of these imported catalogs (comma-separated) in each image',
  }),
  'photometry.minFluxJy': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 0.01,
    env: 'CONTIMG_PHOTOMETRY_MIN_FLUX_JY',
    description: 'forced photometry measures catalog sources at least this bright at 1.4 GHz',
  }),
  'variability.etaThreshold': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 2,
    env: 'CONTIMG_VARIABILITY_ETA_THRESHOLD',
    description: 'a source with at least 3 epochs is variable when η (reduced χ²) exceeds this and V exceeds variability.vThreshold',
  }),
  'variability.vThreshold': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 0.1,
    env: 'CONTIMG_VARIABILITY_V_THRESHOLD',
    description: 'a source is variable when V (standard deviation / mean) exceeds this and η exceeds variability.etaThreshold',
  }),
  'variability.eseSigma': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 3,
    env: 'CONTIMG_VARIABILITY_ESE_SIGMA',
    description: 'a variable source is an ESE candidate when its most extreme epoch lies this many standard deviations from its mean',
  }),
  'api.host': setting({
    schema: Type.String({ minLength: 1 }),
    default: '127.0.0.1',
    env: 'CONTIMG_API_HOST',
    flag: 'host',
    description: 'address `contimg serve` listens on (loopback by default)',
  }),
  'api.port': setting({
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    default: 8110,
    env: 'CONTIMG_API_PORT',
    flag: 'port',
    description: 'TCP port of `contimg serve` (0 picks a free one)',
  }),
  'api.replyCacheMs': setting({
    schema: Type.Integer({ minimum: 0, maximum: 60_000 }),
    default: 1000,
    env: 'CONTIMG_API_REPLY_CACHE_MS',
    description: 'how long the API may answer a read again from its last reply while the read models stand still (0: never)',
  }),
  'api.token': setting({
    schema: Type.Union([Type.Null(), Type.String({ minLength: 16 })]),
    default: null,
    env: 'CONTIMG_API_TOKEN',
    description: 'bearer token for state-changing API routes, at least 16 characters; unset refuses them all',
    secret: true,
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type Config = { readonly [K in SettingKey]: Static<(typeof SETTINGS)[K]['schema']> };
export type Source = 'default' | `file ${string}` | `env ${string}` | `flag --${string}`;

export interface LoadedConfig {
  readonly config: Config;
  readonly sources: { readonly [K in SettingKey]: Source };
  /** The configuration file read, if any. */
  readonly file: string | null;
}

export interface ConfigInputs {
  /** Parsed command-line options (commander's camelCase names). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export const CONFIG_FILE_ENV = 'CONTIMG_CONFIG';
export const DEFAULT_CONFIG_FILE = 'contimg.config.json';

export function loadConfig({ flags = {}, env = process.env, cwd = process.cwd() }: ConfigInputs = {}): LoadedConfig {
  const file = configFilePath(flags, env, cwd);
  const fromFile = file ? readConfigFile(file) : {};
  const config: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, Setting<TSchema>][]) {
    const candidates: [Source, unknown][] = [['default', spec.default]];
    if (key in fromFile) candidates.push([`file ${file}`, fromFile[key]]);
    const envValue = env[spec.env];
    if (envValue !== undefined && envValue !== '') candidates.push([`env ${spec.env}`, Value.Convert(spec.schema, envValue)]);
    if (spec.flag && flags[spec.flag] !== undefined) candidates.push([`flag --${kebab(spec.flag)}`, Value.Convert(spec.schema, flags[spec.flag])]);
    const [source, value] = candidates[candidates.length - 1]!;
    if (!Value.Check(spec.schema, value)) {
      const reason = describeExpected(spec.schema) ?? [...Value.Errors(spec.schema, value)][0]?.message ?? 'invalid';
      problems.push(`${key} = ${displayValue(key, value)} (from ${source}): ${reason}`);
    }
    config[key] = value;
    sources[key] = source;
  }
  const unknown = Object.keys(fromFile).filter((k) => !(k in SETTINGS));
  if (unknown.length > 0) problems.push(`unknown setting(s) in ${file}: ${unknown.join(', ')} (known: ${Object.keys(SETTINGS).join(', ')})`);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return { config: config as Config, sources: sources as LoadedConfig['sources'], file };
}

function configFilePath(flags: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>, cwd: string): string | null {
  const explicit = typeof flags['config'] === 'string' ? flags['config'] : env[CONFIG_FILE_ENV];
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError(`configuration file ${path} does not exist`);
    return path;
  }
  const implicit = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(implicit) ? implicit : null;
}

/** Reads a JSON file of settings, nested (`{"eventLog": {"synchronous": "normal"}}`) or dotted. */
function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`configuration file ${path} must hold a JSON object`);
  }
  return flatten(parsed as Record<string, unknown>);
}

function flatten(object: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.entries(flatten(v as Record<string, unknown>, `${prefix}${k}.`)) : [[`${prefix}${k}`, v]],
    ),
  );
}

/** A setting's value as it may be shown: secrets that are set appear as "***". */
export function displayValue(key: SettingKey, value: unknown): string {
  return (SETTINGS[key] as Setting<TSchema>).secret && value !== null && value !== undefined ? '"***"' : JSON.stringify(value);
}

/** "expected one of a, b" for a union of literals, which TypeBox reports only as "Expected union value". */
function describeExpected(schema: TSchema): string | undefined {
  const options = (schema as { anyOf?: { const?: unknown }[] }).anyOf?.map((s) => s.const);
  return options?.every((o) => typeof o === 'string') ? `expected one of ${options.join(', ')}` : undefined;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
