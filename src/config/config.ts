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
  'process.retryBackoffSeconds': setting({
    schema: Type.Number({ minimum: 0 }),
    default: 30,
    env: 'CONTIMG_PROCESS_RETRY_BACKOFF_SECONDS',
    description: 'wait before the first retry; doubled for each later one',
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
