#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, SETTINGS, type LoadedConfig } from '../config/config.js';
import { dataPaths } from '../config/paths.js';
import { createFileLogger, createLogger } from './logger.js';
import { RecentMessages, startRunView } from './view/runView.js';
import { printConfig } from './commands/config.js';
import { convertCommand, type ConvertCommandOptions } from './commands/convert.js';
import { calibrateCommand, calibrateOptions, type CalibrateCommandOptions } from './commands/calibrate.js';
import { imageCommand, type ImageCommandOptions } from './commands/image.js';
import { replayCommand } from './commands/replay.js';
import { clusterCommand, DEFAULT_KAFKA_PORT, openKafkaLog, type KafkaLogOptions } from './commands/cluster.js';
import { runCommand } from './commands/run.js';
import { simulateCommand, simulateLogged, simulateOptions, simulationOptions, simulationRequest, type SimulateCommandOptions } from './commands/simulate.js';
import { GROUP_CADENCE_S } from '../science/simulate/layout.js';
import { statusCommand } from './commands/status.js';
import { serveCommand } from './commands/serve.js';
import { catalogCalibratorCommand, catalogImportCommand, catalogSearchCommand } from './commands/catalog.js';
import { flagCommand } from './commands/flag.js';
import { mosaicCommand } from './commands/mosaic.js';
import { sourcesCommand } from './commands/sources.js';
import { CATALOG_FORMATS, type CatalogFormat } from '../science/catalogs/catalogFormats.js';

const program = new Command('contimg')
  .description('Streaming continuum-imaging pipeline for the DSA-110 radio telescope')
  .addOption(new Option('--data <dir>', SETTINGS.dataDir.description))
  .option('--config <file>', 'JSON configuration file (default: ./contimg.config.json when present; env CONTIMG_CONFIG)')
  .addOption(new Option('--log-level <level>', SETTINGS.logLevel.description).choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true });

/** 24 integrations of 12.885 s: the telescope writes a group this often. */

type RunCommandOptions = Omit<SimulateCommandOptions, 'out' | 'truthDir'> & { untilIdle?: boolean; simulate?: boolean; process?: boolean; view?: boolean };

/** Configuration from defaults, file, environment and this invocation's flags. */
function configOf(command: Command): LoadedConfig {
  return loadConfig({ flags: command.optsWithGlobals() });
}

program
  .command('config')
  .description('print the effective configuration and where each value came from')
  .option('--json', 'print JSON')
  .action((options: { json?: boolean }, command: Command) => {
    printConfig(configOf(command), options.json === true);
  });

simulationOptions(
  program
    .command('run')
    .description('the streaming pipeline: watch the incoming directory, group subbands, process every pending group through the stages, keep the read models current')
    .option('--incoming <dir>', SETTINGS.incomingDir.description)
    .option('--until-idle', 'exit once no group is collecting or waiting to be processed and nothing has arrived for a while')
    .option('--no-process', 'ingest only: leave pending groups for workers elsewhere')
    .option('--no-view', 'on a terminal, log as usual instead of drawing the live view (the view writes the JSON log to DATA/logs/run.log)')
    .option('--brokers <list>', SETTINGS['eventLog.brokers'].description)
    .option('--topic <name>', SETTINGS['eventLog.topic'].description)
    .option(
      '--simulate',
      `also write simulated groups into the incoming directory, one every --cadence seconds (default ${GROUP_CADENCE_S.toFixed(2)}, the real cadence), ground truth under DATA/truth; the simulation options below apply`,
    ),
).action(async (options: RunCommandOptions, command: Command) => {
  const { config } = configOf(command);
  // a terminal of zero rows (a pseudo-terminal nobody sized) cannot show the view
  const view = process.stderr.isTTY && process.stderr.rows > 0 && options.view !== false;
  const logFile = join(dataPaths(config.dataDir).root, 'logs', 'run.log');
  const recent = new RecentMessages();
  const logger = view ? createFileLogger(config.logLevel, logFile, recent) : createLogger(config.logLevel);
  const simulation = options.simulate
    ? { ...simulationRequest(options, config.incomingDir, dataPaths(config.dataDir).truth), cadenceS: options.cadence ?? GROUP_CADENCE_S }
    : undefined;
  const feeder = simulation && simulateLogged(simulation, logger.child({ component: 'simulator' })).then(() => undefined);
  process.exitCode = await runCommand(config, logger, {
    untilIdle: options.untilIdle === true,
    ingest: true,
    process: options.process !== false,
    ...(feeder && { feeder }),
    ...(view && { view: (db) => startRunView(db, process.stderr, { incoming: config.incomingDir, logFile, recent }) }),
  });
});

program
  .command('worker')
  .description('cluster mode: process pending groups from the Kafka event log (ingest runs elsewhere: contimg run --no-process); start as many as there are machines or cores to spare')
  .option('--brokers <list>', `${SETTINGS['eventLog.brokers'].description}; required here (or CONTIMG_KAFKA_BROKERS)`)
  .option('--topic <name>', SETTINGS['eventLog.topic'].description)
  .option('--until-idle', 'exit once no group is collecting or waiting to be processed')
  .action(async (options: { untilIdle?: boolean }, command: Command) => {
    const { config } = configOf(command);
    if (config['eventLog.brokers'] === null) throw new UsageError('worker: workers share the Kafka event log; give --brokers HOST:PORT[,…] (or CONTIMG_KAFKA_BROKERS)');
    process.exitCode = await runCommand(config, createLogger(config.logLevel), { untilIdle: options.untilIdle === true, ingest: false, process: true });
  });

simulateOptions(
  program.command('simulate').description('write simulated DSA-110 raw UVH5 groups (16 subband files) with a ground-truth JSON per group'),
).action(async (options: SimulateCommandOptions, command: Command) => {
  const { config } = configOf(command);
  await simulateCommand(options, createLogger(config.logLevel));
});

program
  .command('status')
  .description('queue and stage summary from the read models, with the latest groups')
  .option('--json', 'print JSON')
  .option('--groups <n>', 'how many of the latest groups to list', (v) => Number.parseInt(v, 10), 20)
  .action(async (options: { json?: boolean; groups: number }, command: Command) => {
    const { config } = configOf(command);
    if (!existsSync(dataPaths(config.dataDir).eventLog)) {
      throw new UsageError(`no event log under ${dataPaths(config.dataDir).root}: nothing has run with this --data directory yet`);
    }
    await statusCommand(config, options.json === true, options.groups);
  });

program
  .command('replay')
  .description('rebuild every read model from the event log (sequence 0)')
  .option('--verify', 'rebuild into scratch tables and compare checksums with the live tables; exit 1 on any difference')
  .option('--json', 'print JSON')
  .option('--from-kafka', 'read the event log from a Kafka topic (--brokers, --topic) instead of DATA/state/events.sqlite')
  .option('--brokers <list>', 'with --from-kafka: bootstrap brokers, HOST:PORT[,HOST:PORT...]')
  .option('--topic <name>', 'with --from-kafka: the log topic (default contimg-events)')
  .action(async (options: { verify?: boolean; json?: boolean; fromKafka?: boolean } & KafkaLogOptions, command: Command) => {
    const { config } = configOf(command);
    const log = createLogger(config.logLevel);
    const eventLog = options.fromKafka ? await openKafkaLog(options) : undefined;
    try {
      process.exitCode = await replayCommand(config, log, { verify: options.verify === true, json: options.json === true, ...(eventLog && { eventLog }) });
    } finally {
      await eventLog?.close();
    }
  });

program
  .command('cluster')
  .description('the project\'s single-node Kafka broker for trying cluster mode on one box (data and log under DATA/kafka)')
  .argument('<action>', 'up (start it and print its address), down (stop it) or status')
  .option('--broker-port <port>', `its client port on 127.0.0.1 (the controller takes the next one; default ${DEFAULT_KAFKA_PORT})`)
  .action(async (action: string, options: { brokerPort?: string }, command: Command) => {
    if (action !== 'up' && action !== 'down' && action !== 'status') throw new UsageError(`cluster: unknown action "${action}" (up, down or status)`);
    const { config } = configOf(command);
    process.exitCode = await clusterCommand(action, config, options);
  });

program
  .command('convert')
  .description('convert one group of UVH5 subband files into one MeasurementSet (16 SPWs ascending, one J2000 phase centre)')
  .argument('<files...>', 'the subband files of one group')
  .requiredOption('--out <ms>', 'the MeasurementSet to create (must not exist)')
  .option('--stations <csv>', 'station coordinates CSV (default: the DSA-110 station table)')
  .option('--json', 'print the statistics as JSON')
  .action(async (files: string[], options: ConvertCommandOptions, command: Command) => {
    const { config } = configOf(command);
    await convertCommand(files, options, createLogger(config.logLevel));
  });

program
  .command('image')
  .description('image one MeasurementSet (CORRECTED_DATA) with WSClean, add the primary beam and grade the image')
  .argument('<ms>', 'the MeasurementSet')
  .option('--quick', 'quick-look mode: at most image.quickSizePx pixels and image.quickNiter iterations')
  .option('--out <dir>', 'products go to DIR/<id>/ (default: the data directory images/)')
  .option('--id <id>', 'image id (default: the MS name and the mode)')
  .option('--json', 'print the result as JSON')
  .action(async (ms: string, options: ImageCommandOptions, command: Command) => {
    const { config } = configOf(command);
    await imageCommand(ms, options, config, createLogger(config.logLevel));
  });

calibrateOptions(program.command('calibrate').description('sky model → MODEL_DATA, bandpass and gain solutions as CASA calibration tables, then CORRECTED_DATA')).action(
  async (ms: string, options: CalibrateCommandOptions, command: Command) => {
    const { config } = configOf(command);
    process.exitCode = await calibrateCommand(ms, options, createLogger(config.logLevel));
  },
);

program
  .command('serve')
  .description('the REST API and live WebSocket over the read models and event log (docs at /docs)')
  .option('--host <host>', SETTINGS['api.host'].description)
  .option('--port <port>', SETTINGS['api.port'].description)
  .action(async (_options: unknown, command: Command) => {
    const { config } = configOf(command);
    await serveCommand(config, createLogger(config.logLevel));
  });

const catalog = program.command('catalog').description('the catalog database under DATA/catalogs/: import catalog files, cone searches, calibrator choice');
catalog
  .command('import')
  .description('import a catalog file (replacing the catalog\'s earlier content; the same file again changes nothing) and record CatalogImported')
  .argument('<file>', 'VLA calibrator list, DSA-110 source CSV, NVSS as HEASARC .tdat[.gz], VizieR TSV/CSV, or a FITS table')
  .option('--catalog <name>', 'catalog to fill (default: vla-calibrators, dsa110, or nvss for the survey formats)')
  .addOption(new Option('--format <format>', 'file format (default: from the name and contents)').choices(CATALOG_FORMATS))
  .option('--json', 'print the result as JSON')
  .action(async (file: string, options: { catalog?: string; format?: CatalogFormat; json?: boolean }, command: Command) => {
    const { config } = configOf(command);
    await catalogImportCommand(config, file, options, createLogger(config.logLevel));
  });
catalog
  .command('search')
  .description('sources within RADIUS degrees of (RA, DEC), nearest first (degrees, or sexagesimal RA in hours and Dec in degrees)')
  .argument('<ra>')
  .argument('<dec>')
  .argument('<radius>')
  .option('--catalog <name...>', 'only these catalogs (default: all)')
  .option('--min-flux <jy>', 'only sources at least this bright at 1.4 GHz, Jy', Number.parseFloat)
  .option('--limit <n>', 'sources to list', (v) => Number.parseInt(v, 10), 50)
  .option('--json', 'print every match as JSON')
  .action((ra: string, dec: string, radius: string, options: { catalog?: string[]; minFlux?: number; limit: number; json?: boolean }, command: Command) => {
    const { config } = configOf(command);
    catalogSearchCommand(config, ra, dec, radius, options);
  });
catalog
  .command('calibrator')
  .description("whether a group is a calibrator group: a VLA calibrator ≥ 1 Jy at 20 cm within the primary beam's half-power radius at mid-time, and which")
  .argument('<files...>', "the group's UVH5 subband files (the first file's header gives the pointing and times)")
  .option('--vla-calibrators <file>', 'VLA calibrator list (default: the imported vla-calibrators catalog, else the shared list)')
  .option('--record', "record CalibratorSelected in the group's stream of the event log when a calibrator is chosen")
  .option('--group-id <id>', 'the group id to record under (default: the earliest file-name timestamp)')
  .option('--json', 'print the selection as JSON')
  .action(async (files: string[], options: { vlaCalibrators?: string; json?: boolean; record?: boolean; groupId?: string }, command: Command) => {
    const { config } = configOf(command);
    await catalogCalibratorCommand(config, files, options);
  });

program
  .command('flag')
  .description('flag one MeasurementSet (stage 4a): reset, AOFlagger, exact zeros, autocorrelations; prints the flag fractions')
  .argument('<ms>', 'the MeasurementSet (FLAG is rewritten in place)')
  .option('--strategy <lua>', 'AOFlagger strategy file (default: contimg\'s DSA-110 strategy, src/science/flag/strategies/dsa110.lua)')
  .option('--threads <n>', 'AOFlagger threads', (v) => Number.parseInt(v, 10))
  .option('--json', 'print the result as JSON')
  .action(async (ms: string, options: { strategy?: string; threads?: number; json?: boolean }) => {
    await flagCommand(ms, options);
  });

program
  .command('mosaic')
  .description('a primary-beam-weighted linear mosaic (Σ pb·I / Σ pb²) of images on a SIN grid covering them, with its weight map (Σ pb²), QA and thumbnail')
  .argument('<images...>', "image directories (image.fits, pb.fits) or image FITS files with pb.fits beside them")
  .requiredOption('--out <file>', 'the mosaic FITS; the weight map goes to X.weight.fits, the QA to X.qa.json, the thumbnail to X.png')
  .option('--pb-cutoff <x>', 'a tile counts where its beam is at least this (default: image.pbCutoff)', Number.parseFloat)
  .addOption(new Option('--interpolation <kind>', 'how tiles are resampled').choices(['bicubic', 'bilinear']).default('bicubic'))
  .option('--json', 'print the result as JSON')
  .action(async (images: string[], options: { out: string; pbCutoff?: number; interpolation: 'bicubic' | 'bilinear'; json?: boolean }, command: Command) => {
    const pbCutoff = options.pbCutoff ?? configOf(command).config['image.pbCutoff'];
    if (!(pbCutoff > 0 && pbCutoff <= 1)) throw new UsageError(`--pb-cutoff must be a number in (0, 1], got ${String(options.pbCutoff)}`);
    await mosaicCommand(images, { ...options, pbCutoff });
  });

program
  .command('sources')
  .description('find the sources of a FITS image: local background and rms, islands above sources.seedSigma grown to sources.floodSigma, elliptical Gaussian fits with errors')
  .argument('<image>', 'the FITS image (RA and Dec its first two axes, BMAJ/BMIN/BPA in its header)')
  .option('--json', 'print the result as JSON')
  .action(async (image: string, options: { json?: boolean }, command: Command) => {
    const { config } = configOf(command);
    await sourcesCommand(image, options, config);
  });

class UsageError extends Error {
  readonly code = 'USAGE';
}

try {
  await program.parseAsync();
} catch (err) {
  const error = err as Error & { code?: string };
  process.stderr.write(`contimg: ${error.message}\n`);
  if (!error.code) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exitCode = error.code === 'USAGE' || error.code === 'CONFIG_INVALID' ? 2 : 1;
}
