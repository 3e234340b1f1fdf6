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
import { replayCommand } from './commands/replay.js';
import { clusterCommand, DEFAULT_KAFKA_PORT, openKafkaLog, type KafkaLogOptions } from './commands/cluster.js';
import { runCommand } from './commands/run.js';
import { simulateCommand, simulateLogged, simulateOptions, simulationOptions, simulationRequest, type SimulateCommandOptions } from './commands/simulate.js';
import { GROUP_CADENCE_S } from '../science/simulate/layout.js';
import { statusCommand } from './commands/status.js';
import { serveCommand } from './commands/serve.js';

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
    process: options.process !== false,
    ...(feeder && { feeder }),
    ...(view && { view: (db) => startRunView(db, process.stderr, { incoming: config.incomingDir, logFile, recent }) }),
  });
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
  .command('serve')
  .description('the REST API and live WebSocket over the read models and event log (docs at /docs)')
  .option('--host <host>', SETTINGS['api.host'].description)
  .option('--port <port>', SETTINGS['api.port'].description)
  .action(async (_options: unknown, command: Command) => {
    const { config } = configOf(command);
    await serveCommand(config, createLogger(config.logLevel));
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
