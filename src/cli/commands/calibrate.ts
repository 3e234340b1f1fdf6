import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Logger } from 'pino';
import { applyCalibration, calibrate, type AppliedTable, type CalibrationOutcome, type CaltableKind } from '../../science/calibrate/index.js';
import type { SkySource } from '../../science/simulate/sky.js';

export interface CalibrateCommandOptions {
  calibrator?: string;
  source: SkySource[];
  out?: string;
  refant?: string;
  applyOnly?: string[];
  apply: boolean;
  vlaCalibrators?: string;
  json?: boolean;
}

/** RA,DEC,FLUX[,ALPHA]: J2000 degrees, Jy at 1.4 GHz, spectral index (default −0.7). */
export function parseSource(value: string, previous: SkySource[] = []): SkySource[] {
  const parts = value.split(',').map(Number);
  const [raDeg, decDeg, fluxJy, spectralIndex = -0.7] = parts;
  if (parts.length < 3 || parts.length > 4 || !parts.every(Number.isFinite) || raDeg === undefined || decDeg === undefined || fluxJy === undefined) {
    throw new InvalidArgumentError('expected RA,DEC,FLUX[,ALPHA]: J2000 degrees, Jy at 1.4 GHz, spectral index');
  }
  if (Math.abs(decDeg) > 90 || fluxJy <= 0) throw new InvalidArgumentError('DEC must be within ±90 and FLUX positive');
  const name = `USER J${raDeg.toFixed(4)}${decDeg < 0 ? '-' : '+'}${Math.abs(decDeg).toFixed(4)}`;
  return [...previous, { name, origin: 'user', raDeg: ((raDeg % 360) + 360) % 360, decDeg, fluxJy, spectralIndex }];
}

/** A table given to --apply-only: its kind from CASA's VisCal is not visible here, so from the name (…bpcal / …gpcal / …gacal, or KIND=PATH). */
function appliedTable(spec: string): AppliedTable {
  const explicit = /^(BP|G)=(.+)$/.exec(spec);
  if (explicit) return { kind: explicit[1] as CaltableKind, path: explicit[2]! };
  if (/bpcal\/?$/i.test(spec)) return { kind: 'BP', path: spec };
  if (/g[pa]cal\/?$/i.test(spec)) return { kind: 'G', path: spec };
  throw new InvalidArgumentError(`${spec}: cannot tell a bandpass from a gain table by its name; write BP=${spec} or G=${spec}`);
}

export function calibrateOptions(command: Command): Command {
  return command
    .argument('<ms>', 'the MeasurementSet (DATA is read; MODEL_DATA, CORRECTED_DATA, FLAG and weights are written)')
    .option('--calibrator <name>', 'the VLA calibrator to model (default: the brightest ≥ 1 Jy one within the half-power beam)')
    .option('--source <ra,dec,flux[,alpha]>', 'a further point source of the model (J2000 deg, Jy at 1.4 GHz); repeatable', parseSource, [])
    .option('--out <dir>', 'directory for the calibration tables (default: beside the MS)')
    .option('--refant <name>', 'reference antenna (default: the one with the most unflagged data)')
    .option('--apply-only <tables...>', 'apply these tables (…_bpcal, …_gpcal, …_gacal, or BP=PATH / G=PATH) in order; no solve')
    .option('--no-apply', 'solve only')
    .option('--vla-calibrators <file>', 'VLA calibrator list (default ../shared/data/catalogs/vlacalibrators.txt)')
    .option('--json', 'print the outcome as JSON');
}

function printSolve(o: CalibrationOutcome): void {
  const lines = [
    `${o.msPath}: model ${o.model.sources.map((s, i) => `${s.name} (${s.fluxJy} Jy at 1.4 GHz, beam ${o.model.beamAtMid[i]!.toFixed(3)})`).join(', ')}; ` +
      `reference antenna ${o.refAntenna}; ${(o.dataFlaggedFraction * 100).toFixed(1)} % of visibilities flagged`,
    ...o.tables.map(
      (t) =>
        `  ${basename(t.path)}: ${t.kind}, ${(t.flaggedFraction * 100).toFixed(1)} % flagged, median SNR ${t.medianSnr.toFixed(1)}, ` +
        `phase RMS ${t.phaseRmsDeg.toFixed(2)}°, ${t.antennasSolved} antennas${t.filledChannels > 0 ? `, ${t.filledChannels} channels filled` : ''}`,
    ),
    o.accepted ? `  accepted (predict ${o.seconds.predict.toFixed(2)} s, solve ${o.seconds.solve.toFixed(2)} s)` : `  REJECTED: ${o.rejection}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `contimg calibrate MS`: sky model, solve, check and apply; or only apply given tables. Exit 1 when rejected. */
export async function calibrateCommand(ms: string, options: CalibrateCommandOptions, log: Logger): Promise<number> {
  const progress = (fraction: number, message: string) => log.info({ ms, fraction }, message);
  let outcome: CalibrationOutcome | undefined;
  let tables: AppliedTable[];
  if (options.applyOnly !== undefined) {
    tables = options.applyOnly.map(appliedTable);
  } else {
    outcome = await calibrate(ms, {
      calibrator: options.calibrator,
      sources: options.source,
      outDir: options.out,
      refAntenna: options.refant,
      vlaCalibratorsPath: options.vlaCalibrators,
      onProgress: progress,
    });
    if (!options.json) printSolve(outcome);
    tables = [...outcome.tables];
  }
  const applied = (outcome === undefined || outcome.accepted) && options.apply ? await applyCalibration(ms, tables) : undefined;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ solve: outcome, apply: applied }, null, 2)}\n`);
  } else if (applied) {
    process.stdout.write(
      `applied ${tables.map((t) => basename(t.path)).join(', ')}: CORRECTED_DATA written, ${applied.unflagged} unflagged values all finite and non-zero; ` +
        `flagged ${((applied.flaggedBefore / applied.cells) * 100).toFixed(1)} % → ${((applied.flaggedAfter / applied.cells) * 100).toFixed(1)} % (${applied.seconds.toFixed(2)} s)\n`,
    );
  }
  return outcome === undefined || outcome.accepted ? 0 : 1;
}
