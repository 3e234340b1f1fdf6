/**
 * `contimg simulate`: writes groups of 16 DSA-110 raw subband files (UVH5) of a simulated
 * meridian drift scan, each group with a ground-truth JSON beside it. Planning is pure (group.ts,
 * truth.ts); this module reads the catalogs, names and writes the files, and paces a stream.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simulateUvh5 } from '../../../native/index.js';
import { readDsa110Sources, DEFAULT_DSA110_SOURCES } from '../catalogs/dsa110Sources.js';
import { DEFAULT_VLA_CALIBRATORS, findVlaCalibrator, readVlaCalibrators } from '../catalogs/vlaCalibrators.js';
import { OVRO } from '../site.js';
import { DEFAULT_STATIONS_CSV, readStations, type Station } from '../stations.js';
import { ApparentFrame, nextTransitJd } from './apparent.js';
import { fileSpec, planGroup, type RunPlan } from './group.js';
import { deadAntennas, signalChain } from './instrument.js';
import { BAND, INTEGRATION_S, INTEGRATIONS_PER_GROUP, jdFromUnixMs, POLARIZATION_NAMES, subbandFrequenciesHz, unixMsFromJd } from './layout.js';
import { Rng } from './prng.js';
import { calibratorSources, dsa110CatalogSources, mergeCatalogs, type SkySource } from './sky.js';
import { groupTruth } from './truth.js';
import { uvh5Header } from './uvh5Header.js';

/**
 * The default start: on 2026-01-25 (the DSA-110 source list's date) the group's mid-time is at
 * LST 338.5°, where 23 of those sources lie inside the half-power beam at Dec 16.27° and none is
 * brighter than 0.7 Jy apparent (3C454.3, 12.7 Jy, transits 24 minutes later).
 */
export const DEFAULT_START = new Date('2026-01-25T22:03:39Z');
/** The declination DSA-110 observed the 170-source field at (apparent of date). */
export const DEFAULT_DEC_DEG = 16.27;

export type CatalogName = 'vla' | 'dsa110';

export interface SimulateOptions {
  readonly outDir: string;
  /** Where the ground-truth JSON files go (default: outDir). Keep them out of a watched directory. */
  readonly truthDir?: string;
  readonly groups?: number;
  /** Start of the first group (its first integration), UTC. */
  readonly start?: Date;
  /** Pointing declination, apparent of date, degrees. */
  readonly decDeg?: number;
  /** A VLA calibrator: the first group is centred on its transit (after `start`) at its declination. */
  readonly calibrator?: string;
  /** Active antennas with data (spread over the array when fewer than 96). */
  readonly antennas?: number;
  /** Channels per subband (the first of its 48). */
  readonly channels?: number;
  readonly integrations?: number;
  /** Subband files per group: sb00 (highest) downwards. */
  readonly subbands?: number;
  readonly seed?: number;
  /** Write one group every this many seconds (a live stream); otherwise as fast as possible. */
  readonly cadenceS?: number;
  /** Catalog sources within this distance of the pointing track are observed, degrees. */
  readonly skyRadiusDeg?: number;
  readonly catalogs?: readonly CatalogName[];
  /** Extra sources (origin 'user'). */
  readonly sources?: readonly SkySource[];
  /** Add an NVSS-like random population: sources above this 1.4 GHz flux (Jy) whose flux through the beam can exceed it too. */
  readonly randomMinFluxJy?: number;
  readonly noise?: boolean;
  /** Per-antenna gains and bandpasses (unity when false). */
  readonly gains?: boolean;
  readonly rfi?: boolean;
  readonly deadAntennas?: number;
  /** Threads of the native simulator. */
  readonly threads?: number;
  readonly stationsPath?: string;
  readonly vlaCalibratorsPath?: string;
  readonly dsa110SourcesPath?: string;
}

export const SIMULATE_DEFAULTS = {
  groups: 1,
  antennas: 96,
  channels: BAND.channelsPerSubband,
  integrations: INTEGRATIONS_PER_GROUP,
  subbands: BAND.subbands,
  seed: 1,
  skyRadiusDeg: 10,
  catalogs: ['vla', 'dsa110'] as readonly CatalogName[],
  deadAntennas: 2,
} as const;

export interface FileWritten {
  readonly groupId: string;
  readonly groupIndex: number;
  readonly subband: number;
  readonly path: string;
  readonly bytes: number;
  readonly computeSeconds: number;
  readonly writeSeconds: number;
  /** 1-based position of this file in the run, and the run's file count. */
  readonly number: number;
  readonly total: number;
}

export interface GroupWritten {
  readonly groupId: string;
  readonly groupIndex: number;
  readonly files: readonly string[];
  readonly truthPath: string;
  readonly sources: number;
  readonly bytes: number;
  readonly seconds: number;
}

export interface RunStarted {
  readonly outDir: string;
  readonly groups: number;
  readonly startUtc: string;
  readonly pointingDecDeg: number;
  readonly calibrator?: string;
  readonly antennas: number;
  readonly deadAntennas: readonly number[];
  readonly skySources: number;
}

export interface SimulateHooks {
  readonly onStart?: (run: RunStarted) => void;
  readonly onFile?: (file: FileWritten) => void;
  readonly onGroup?: (group: GroupWritten) => void;
  /** A stream fell behind its cadence by this many seconds. */
  readonly onLate?: (groupIndex: number, lateS: number) => void;
}

export interface SimulationSummary extends RunStarted {
  readonly written: readonly GroupWritten[];
  readonly bytes: number;
  readonly seconds: number;
}

/** An option that cannot work: out of range, inconsistent with another, or naming no calibrator. */
export class SimulateOptionError extends Error {
  override readonly name = 'SimulateOptionError';
  readonly code = 'EOPTION';
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new SimulateOptionError(message);
}

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  check(Number.isInteger(value) && value >= min && value <= max, `${name} must be an integer from ${min} to ${max}, got ${value}`);
}

/** `count` of the active stations, evenly spread over them (all 96 by default). */
function chooseAntennas(active: readonly Station[], count: number): Station[] {
  if (count === active.length) return [...active];
  return Array.from({ length: count }, (_, i) => active[Math.round((i * (active.length - 1)) / (count - 1))]!);
}

const fileTimestamp = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);

async function planRun(options: SimulateOptions) {
  const o = { ...SIMULATE_DEFAULTS, ...options };
  requireInteger('groups', o.groups, 1);
  requireInteger('antennas', o.antennas, 2, 96);
  requireInteger('channels', o.channels, 1, BAND.channelsPerSubband);
  requireInteger('integrations', o.integrations, 1, 10_000);
  requireInteger('subbands', o.subbands, 1, BAND.subbands);
  requireInteger('seed', o.seed, 0, 2 ** 32 - 1);
  requireInteger('deadAntennas', o.deadAntennas, 0, o.antennas - 2);
  requireInteger('threads', o.threads ?? availableParallelism(), 1, 256);
  check(o.skyRadiusDeg > 0 && o.skyRadiusDeg <= 90, `skyRadiusDeg must be in (0, 90], got ${o.skyRadiusDeg}`);
  check(o.cadenceS === undefined || o.cadenceS > 0, `cadenceS must be positive, got ${o.cadenceS}`);
  check(o.randomMinFluxJy === undefined || o.randomMinFluxJy >= 1e-4, `randomMinFluxJy must be at least 0.1 mJy, got ${o.randomMinFluxJy}`);
  const lowestDec = OVRO.latitudeDeg - 90;
  check(o.decDeg === undefined || (o.decDeg > lowestDec && o.decDeg <= 90), `decDeg must be in (${lowestDec.toFixed(4)}, 90] (above OVRO's horizon), got ${o.decDeg}`);
  check(o.decDeg === undefined || o.calibrator === undefined, 'give a declination or a calibrator, not both: a calibrator sets the declination');
  check(o.start === undefined || !Number.isNaN(o.start.getTime()), 'start is not a valid time');

  const stations = await readStations(o.stationsPath ?? DEFAULT_STATIONS_CSV);
  const antennas = chooseAntennas(stations.filter((s) => s.active), o.antennas);
  const needVla = o.catalogs.includes('vla') || o.calibrator !== undefined;
  const vla = needVla ? await readVlaCalibrators(o.vlaCalibratorsPath ?? DEFAULT_VLA_CALIBRATORS) : [];
  const dsa110 = o.catalogs.includes('dsa110') ? dsa110CatalogSources(await readDsa110Sources(o.dsa110SourcesPath ?? DEFAULT_DSA110_SOURCES)) : [];
  const calibrators = o.catalogs.includes('vla') ? calibratorSources(vla) : [];
  let sky = mergeCatalogs(calibrators, dsa110);

  const halfGroupMs = (o.integrations * INTEGRATION_S * 1000) / 2;
  let startMs = (o.start ?? DEFAULT_START).getTime();
  let pointingDecRad = ((o.decDeg ?? DEFAULT_DEC_DEG) * Math.PI) / 180;
  let calibrator: { name: string; label: string } | undefined;
  if (o.calibrator !== undefined) {
    const found = findVlaCalibrator(vla, o.calibrator);
    const [source] = calibratorSources([found]);
    check(source !== undefined, `calibrator ${found.name} has no 20 cm flux in the VLA list`);
    if (!o.catalogs.includes('vla')) sky = mergeCatalogs([source], sky);
    const [ra, dec] = [(found.raDeg * Math.PI) / 180, (found.decDeg * Math.PI) / 180];
    const transitJd = nextTransitJd(ra, dec, jdFromUnixMs(startMs + halfGroupMs));
    startMs = unixMsFromJd(transitJd) - halfGroupMs;
    pointingDecRad = new ApparentFrame(transitJd).apparent(ra, dec).decRad;
    calibrator = { name: found.name, label: found.altName === undefined ? found.name : `${found.name} (${found.altName})` };
  }

  const antennaNumbers = antennas.map((s) => s.number);
  const subbands = Array.from({ length: o.subbands }, (_, i) => i);
  const run: RunPlan = {
    seed: o.seed,
    startMs,
    pointingDecRad,
    integrations: o.integrations,
    subbands,
    channels: o.channels,
    stations,
    antennas,
    dead: new Set(deadAntennas(o.seed, antennaNumbers, o.deadAntennas)),
    ...(o.gains !== false && { chains: antennaNumbers.map((n) => POLARIZATION_NAMES.map((pol) => signalChain(o.seed, n, pol))) }),
    sky: [...sky, ...(o.sources ?? [])],
    skyRadiusRad: (o.skyRadiusDeg * Math.PI) / 180,
    ...(o.randomMinFluxJy !== undefined && { randomMinFluxJy: o.randomMinFluxJy }),
    noise: o.noise !== false,
    rfi: o.rfi !== false,
    objectName: calibrator?.name ?? 'drift',
    history: `simulated by contimg simulate (seed ${o.seed}); the ground truth is in the group's _truth.json`,
    threads: o.threads ?? availableParallelism(),
  };
  return { run, groups: o.groups, cadenceS: o.cadenceS, calibrator: calibrator?.label };
}

const FILES_IN_FLIGHT = 2;

/** Runs `task` on every item, at most `limit` at a time; waits for all, then throws the first failure. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      try {
        await task(items[next++]!);
      } catch (error) {
        next = items.length; // start nothing new
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Writes `path` atomically: a hidden temporary name in the same directory, then a rename. */
async function atomically<T>(path: string, write: (temporary: string) => Promise<T>): Promise<T> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID().slice(0, 8)}.partial`);
  try {
    const result = await write(temporary);
    await rename(temporary, path);
    return result;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function simulate(options: SimulateOptions, hooks: SimulateHooks = {}): Promise<SimulationSummary> {
  const began = performance.now();
  const { run, groups, cadenceS, calibrator } = await planRun(options);
  await mkdir(options.outDir, { recursive: true });
  if (options.truthDir !== undefined) await mkdir(options.truthDir, { recursive: true });
  const started: RunStarted = {
    outDir: options.outDir,
    groups,
    startUtc: new Date(run.startMs).toISOString(),
    pointingDecDeg: (run.pointingDecRad * 180) / Math.PI,
    ...(calibrator !== undefined && { calibrator }),
    antennas: run.antennas.length,
    deadAntennas: [...run.dead],
    skySources: run.sky.length,
  };
  hooks.onStart?.(started);

  const written: GroupWritten[] = [];
  const total = groups * run.subbands.length;
  let bytes = 0;
  for (let g = 0; g < groups; g++) {
    if (cadenceS !== undefined && g > 0) {
      const waitMs = began + g * cadenceS * 1000 - performance.now();
      if (waitMs > 0) await sleep(waitMs);
      else hooks.onLate?.(g, -waitMs / 1000);
    }
    const groupBegan = performance.now();
    const group = planGroup(run, g);
    const names = run.subbands.map((sb) => {
      const jitterS = Rng.stream(run.seed, 'file-jitter', g, sb).int(5);
      return `${fileTimestamp(group.startMs + jitterS * 1000)}_sb${String(sb).padStart(2, '0')}.hdf5`;
    });
    const groupId = names.map((n) => n.slice(0, 19)).sort()[0]!;
    const truthPath = join(options.truthDir ?? options.outDir, `${groupId}_truth.json`);
    const existing = [...names.map((n) => join(options.outDir, n)), truthPath].find((p) => existsSync(p));
    if (existing) throw Object.assign(new Error(`${existing} already exists: choose another --out directory or remove it`), { code: 'EEXIST' });

    const header = uvh5Header(group.header);
    let groupBytes = 0;
    // Two files in flight: one is computed while the other is written.
    // Earliest timestamp first, as a correlator's files appear: ingest names a group after the
    // first file to arrive, which is then the earliest, as the truth's group id is.
    const writeOrder = [...run.subbands.entries()].sort(([a], [b]) => names[a]!.localeCompare(names[b]!));
    await inParallel(writeOrder, FILES_IN_FLIGHT, async ([i, sb]) => {
      const path = join(options.outDir, names[i]!);
      const timing = await atomically(path, (temporary) =>
        simulateUvh5({ ...fileSpec(run, group, sb), path: temporary, header: header(subbandFrequenciesHz(sb, run.channels)) }),
      );
      const size = (await stat(path)).size;
      groupBytes += size;
      hooks.onFile?.({ groupId, groupIndex: g, subband: sb, path, bytes: size, ...timing, number: g * run.subbands.length + i + 1, total });
    });
    const truth = groupTruth(run, group, groupId, names, calibrator);
    await atomically(truthPath, (temporary) => writeFile(temporary, `${JSON.stringify(truth)}\n`));
    const done: GroupWritten = {
      groupId,
      groupIndex: g,
      files: names.map((n) => join(options.outDir, n)),
      truthPath,
      sources: group.sources.length,
      bytes: groupBytes,
      seconds: (performance.now() - groupBegan) / 1000,
    };
    bytes += groupBytes;
    written.push(done);
    hooks.onGroup?.(done);
  }
  return { ...started, written, bytes, seconds: (performance.now() - began) / 1000 };
}
