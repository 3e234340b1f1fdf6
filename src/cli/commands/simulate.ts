import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { UnknownCalibratorError } from '../../science/catalogs/vlaCalibrators.js';
import type { SkySource } from '../../science/simulate/sky.js';
import { DEFAULT_DEC_DEG, DEFAULT_START, simulate, SIMULATE_DEFAULTS, SimulateOptionError, type CatalogName, type SimulateOptions, type SimulationSummary } from '../../science/simulate/simulate.js';

/** The options commander hands over (strings already parsed by the parsers below). */
export interface SimulateCommandOptions {
  out: string;
  truthDir?: string;
  groups: number;
  start?: Date;
  dec?: number;
  calibrator?: string;
  antennas: number;
  channels: number;
  integrations: number;
  subbands: number;
  seed: number;
  cadence?: number;
  skyRadius: number;
  catalogs: CatalogName[];
  source: SkySource[];
  randomSources?: number;
  deadAntennas: number;
  noise: boolean;
  gains: boolean;
  rfi: boolean;
  threads?: number;
  stations?: string;
  vlaCalibrators?: string;
  dsa110Sources?: string;
  json?: boolean;
}

const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
  return n;
};

const number = (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

const time = (value: string) => {
  // An ISO time without a zone is UTC, as the file names are.
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-01-25T22:03:39');
  return date;
};

const catalogs = (value: string): CatalogName[] => {
  if (value === 'none') return [];
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => n !== 'vla' && n !== 'dsa110');
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown catalog ${unknown.join(', ')}: use vla, dsa110, both (vla,dsa110) or none`);
  return names as CatalogName[];
};

const source = (value: string, previous: SkySource[]): SkySource[] => {
  const parts = value.split(',').map(Number);
  const [raDeg, decDeg, fluxJy, spectralIndex = -0.7] = parts;
  if (parts.length < 3 || parts.length > 4 || parts.some((p) => !Number.isFinite(p)) || raDeg === undefined || decDeg === undefined || fluxJy === undefined) {
    throw new InvalidArgumentError('expected RA,DEC,FLUX[,ALPHA]: J2000 degrees, Jy at 1.4 GHz, spectral index');
  }
  if (Math.abs(decDeg) > 90 || fluxJy <= 0) throw new InvalidArgumentError('DEC must be within ±90 and FLUX positive');
  const name = `USER J${raDeg.toFixed(4)}${decDeg < 0 ? '-' : '+'}${Math.abs(decDeg).toFixed(4)}`;
  return [...previous, { name, origin: 'user', raDeg: ((raDeg % 360) + 360) % 360, decDeg, fluxJy, spectralIndex }];
};

/** Adds the options of `contimg simulate` to `command`. */
export function simulateOptions(command: Command): Command {
  return simulationOptions(
    command
      .requiredOption('--out <dir>', 'directory for the UVH5 files (and the ground-truth JSON files unless --truth-dir)')
      .option('--truth-dir <dir>', 'directory for the ground-truth JSON files (default: --out)'),
  ).option('--json', 'print the summary as JSON');
}

/** The options that say what to simulate (shared by `contimg simulate` and `contimg run --simulate`). */
export function simulationOptions(command: Command): Command {
  return command
    .addOption(new Option('--groups <n>', 'groups (of 16 subband files) to write').argParser(integer(1)).default(SIMULATE_DEFAULTS.groups))
    .addOption(new Option('--start <iso>', `start of the first group, UTC (default ${DEFAULT_START.toISOString()}: mid-group LST 338.5°, the densest part of the DSA-110 source list)`).argParser(time))
    .addOption(new Option('--dec <deg>', `pointing declination, apparent of date (default ${DEFAULT_DEC_DEG})`).argParser(number))
    .addOption(new Option('--calibrator <name>', 'centre the first group on the transit of this VLA calibrator (e.g. 3C454.3, 2253+161) at its declination').conflicts('dec'))
    .addOption(new Option('--antennas <n>', 'active antennas with data, spread over the array').argParser(integer(2)).default(SIMULATE_DEFAULTS.antennas))
    .addOption(new Option('--channels <n>', 'channels per subband').argParser(integer(1)).default(SIMULATE_DEFAULTS.channels))
    .addOption(new Option('--integrations <n>', 'integrations of 12.885 s per group').argParser(integer(1)).default(SIMULATE_DEFAULTS.integrations))
    .addOption(new Option('--subbands <n>', 'subband files per group, from sb00 (the highest) down').argParser(integer(1)).default(SIMULATE_DEFAULTS.subbands))
    .addOption(new Option('--seed <n>', 'seed of every random quantity (gains, noise, RFI, dead antennas, jitter)').argParser(integer(0)).default(SIMULATE_DEFAULTS.seed))
    .addOption(new Option('--cadence <s>', 'write one group every S seconds, as the correlator does (default: as fast as possible)').argParser(number))
    .addOption(new Option('--sky-radius <deg>', 'observe catalog sources within this distance of the pointing').argParser(number).default(SIMULATE_DEFAULTS.skyRadiusDeg))
    .addOption(new Option('--catalogs <list>', 'sky catalogs: vla, dsa110, vla,dsa110 or none').argParser(catalogs).default([...SIMULATE_DEFAULTS.catalogs], 'vla,dsa110'))
    .addOption(new Option('--source <ra,dec,flux[,alpha]>', 'add a point source (J2000 deg, Jy at 1.4 GHz, spectral index, default -0.7); repeatable').argParser(source).default([], 'none'))
    .addOption(new Option('--random-sources <mJy>', 'add an NVSS-like random population of sources brighter than this at 1.4 GHz, through the primary beam').argParser(number))
    .addOption(new Option('--dead-antennas <n>', 'antennas with no signal (zero data, flagged)').argParser(integer(0)).default(SIMULATE_DEFAULTS.deadAntennas))
    .option('--no-noise', 'no thermal noise')
    .option('--no-gains', 'unity gains and bandpasses')
    .option('--no-rfi', 'no RFI')
    .addOption(new Option('--threads <n>', 'native simulator threads (default: all cores)').argParser(integer(1)))
    .option('--stations <csv>', 'station coordinates CSV (default ../shared/data/dsa110/DSA110_Station_Coordinates.csv)')
    .option('--vla-calibrators <file>', 'VLA calibrator list (default ../shared/data/catalogs/vlacalibrators.txt)')
    .option('--dsa110-sources <csv>', 'DSA-110 source list (default ../shared/data/catalogs/dsa110_forced_phot_2026-01-25.csv)');
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** What to simulate, from the command's options (written to `outDir`, truth to `truthDir`). */
export function simulationRequest(options: Omit<SimulateCommandOptions, 'out' | 'truthDir'>, outDir: string, truthDir?: string): SimulateOptions {
  return {
    outDir,
    ...(truthDir !== undefined && { truthDir }),
    groups: options.groups,
    antennas: options.antennas,
    channels: options.channels,
    integrations: options.integrations,
    subbands: options.subbands,
    seed: options.seed,
    skyRadiusDeg: options.skyRadius,
    catalogs: options.catalogs,
    sources: options.source,
    deadAntennas: options.deadAntennas,
    noise: options.noise,
    gains: options.gains,
    rfi: options.rfi,
    ...(options.start && { start: options.start }),
    ...(options.dec !== undefined && { decDeg: options.dec }),
    ...(options.calibrator !== undefined && { calibrator: options.calibrator }),
    ...(options.cadence !== undefined && { cadenceS: options.cadence }),
    ...(options.randomSources !== undefined && { randomMinFluxJy: options.randomSources / 1000 }),
    ...(options.threads !== undefined && { threads: options.threads }),
    ...(options.stations !== undefined && { stationsPath: options.stations }),
    ...(options.vlaCalibrators !== undefined && { vlaCalibratorsPath: options.vlaCalibrators }),
    ...(options.dsa110Sources !== undefined && { dsa110SourcesPath: options.dsa110Sources }),
  };
}

/** Runs a simulation with progress on the logger; a bad option becomes a usage error. */
export async function simulateLogged(request: SimulateOptions, log: Logger): Promise<SimulationSummary> {
  try {
    return await simulate(request, {
      onStart: (run) => log.info({ ...run }, 'simulating'),
      onFile: (f) =>
        log.info(
          { file: f.path, n: `${f.number}/${f.total}`, MB: Math.round(f.bytes / 1e6), computeS: +f.computeSeconds.toFixed(2), writeS: +f.writeSeconds.toFixed(2) },
          'wrote subband file',
        ),
      onGroup: (g) => log.info({ groupId: g.groupId, sources: g.sources, truth: g.truthPath, seconds: +g.seconds.toFixed(1) }, 'wrote group'),
      onLate: (groupIndex, lateS) => log.warn({ groupIndex, lateS: +lateS.toFixed(1) }, 'behind the cadence: writing the next group at once'),
    });
  } catch (error) {
    if (error instanceof SimulateOptionError || error instanceof UnknownCalibratorError) {
      throw Object.assign(new Error(error.message), { code: 'USAGE' });
    }
    throw error;
  }
}

/** `contimg simulate`: progress goes to the logger (stderr), the summary to stdout. */
export async function simulateCommand(options: SimulateCommandOptions, log: Logger): Promise<void> {
  const summary = await simulateLogged(simulationRequest(options, options.out, options.truthDir), log);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const files = summary.written.reduce((n, g) => n + g.files.length, 0);
  const lines = [
    `wrote ${summary.written.length} group(s), ${files} files, ${gb(summary.bytes)} to ${summary.outDir} in ${summary.seconds.toFixed(1)} s`,
    `pointing Dec ${summary.pointingDecDeg.toFixed(4)}° (apparent)${summary.calibrator ? `, transit of ${summary.calibrator}` : ''}; first group starts ${summary.startUtc}`,
    `${summary.antennas} antennas${summary.deadAntennas.length > 0 ? ` (dead: ${summary.deadAntennas.join(', ')})` : ''}`,
    ...summary.written.map((g) => `  ${g.groupId}  ${g.files.length} files  ${g.sources} sources  truth ${g.truthPath}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
