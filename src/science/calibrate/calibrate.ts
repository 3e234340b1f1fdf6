/**
 * Calibration of one MeasurementSet: sky model → MODEL_DATA, native solves (optionally delays, then
 * bandpass, phase-only gains per solint, amplitude-and-phase gains over the observation) written as CASA calibration
 * tables, quality checks that accept or reject the set, and the apply step.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { calApply, calMsInfo, calSolve, type CalApplyResult, type CalTableStats } from '../../../native/index.js';
import { CalibrationError } from './errors.js';
import { writeQaPlots } from './qaPlots.js';
import { predictModel, type ModelSource, type PredictResult, type SkyModelRequest, skyModelSources } from './skyModel.js';

export type CaltableKind = 'K' | 'BP' | 'G';

/** A solve whose flagged fraction exceeds this is rejected (incumbent: max_flag_fraction 0.25). */
export const MAX_FLAGGED_FRACTION = 0.25;

export const SOLVE_DEFAULTS = { minSnr: 5, minBaselines: 4, phaseSolintS: 60, fillGapChannels: 3 } as const;

export interface CalibrateOptions extends SkyModelRequest {
  /** Directory the tables are moved into (created); default: beside the MS. */
  readonly outDir?: string | undefined;
  /** Reference antenna by name; default: the one with the most unflagged data. */
  readonly refAntenna?: string | undefined;
  readonly minSnr?: number;
  readonly minBaselines?: number;
  readonly phaseSolintS?: number;
  readonly fillGapChannels?: number;
  /** Also solve delays (a K table, first in apply order); the bandpass then holds what they leave. */
  readonly solveDelay?: boolean;
  readonly maxFlaggedFraction?: number;
  readonly threads?: number;
  readonly onProgress?: ((fraction: number, message: string) => void) | undefined;
}

export interface Caltable {
  readonly kind: CaltableKind;
  /** `kcal` (delays), `bpcal`, `gpcal` (phase-only, per solint) or `gacal` (amplitude and phase, whole observation). */
  readonly role: 'kcal' | 'bpcal' | 'gpcal' | 'gacal';
  readonly path: string;
  readonly interp: 'nearest' | 'linear';
  readonly flaggedFraction: number;
  readonly medianSnr: number;
  readonly phaseRmsDeg: number;
  readonly antennasSolved: number;
  readonly solutions: number;
  readonly filledChannels: number;
  /** Cells referenced to another antenna because the reference antenna had no solution there. */
  readonly refMissingFraction: number;
  /** QA plots beside the table by key (`bandpass-amplitude`, …; qaPlots.ts); empty until it is accepted. */
  readonly artifacts: Readonly<Record<string, string>>;
}

export interface CalibrationOutcome {
  readonly msPath: string;
  readonly accepted: boolean;
  /** Why the set was rejected (its tables are then removed). */
  readonly rejection?: string;
  readonly refAntenna: string;
  readonly model: PredictResult;
  /** Of the unflagged visibilities, the fraction with a non-zero model. */
  readonly modelNonZeroFraction: number;
  readonly dataFlaggedFraction: number;
  /** Per antenna with data, the fraction of its bandpass solutions flagged. */
  readonly antennaFlaggedFraction: Readonly<Record<string, number>>;
  /** In apply order. Empty when rejected. */
  readonly tables: readonly Caltable[];
  /** The observation the solutions come from, MJD (UTC). */
  readonly validFromMjd: number;
  readonly validToMjd: number;
  /** Wall times: sky-model prediction, the solve (tables written), the QA plots. */
  readonly seconds: { readonly predict: number; readonly solve: number; readonly plots: number };
}

/** In the order the native solve reports them; a delay table is applied first. */
const ROLES = [
  { role: 'bpcal', kind: 'BP', interp: 'nearest' },
  { role: 'gpcal', kind: 'G', interp: 'linear' },
  { role: 'gacal', kind: 'G', interp: 'linear' },
] as const;
const DELAY_ROLE = { role: 'kcal', kind: 'K', interp: 'nearest' } as const;
type Role = (typeof ROLES)[number] | typeof DELAY_ROLE;

function caltableFrom(stats: CalTableStats, role: Role, path: string): Caltable {
  return {
    kind: role.kind,
    role: role.role,
    path,
    interp: role.interp,
    flaggedFraction: stats.solutions > 0 ? stats.flagged / stats.solutions : 1,
    medianSnr: stats.medianSnr,
    phaseRmsDeg: stats.phaseRmsDeg,
    antennasSolved: stats.antennasSolved,
    solutions: stats.solutions,
    filledChannels: stats.filled,
    refMissingFraction: stats.cells > 0 ? stats.refMissingCells / stats.cells : 1,
    artifacts: {},
  };
}

/** The reason to reject a solved set, if any: too much flagged, or its reference antenna absent. */
export function rejectionReason(tables: readonly Caltable[], refAntenna: string, maxFlagged = MAX_FLAGGED_FRACTION): string | undefined {
  for (const t of tables) {
    if (t.refMissingFraction >= 1) return `${t.role}: the reference antenna ${refAntenna} has no solution`;
    if (t.flaggedFraction > maxFlagged) return `${t.role}: ${(t.flaggedFraction * 100).toFixed(1)} % of solutions flagged (limit ${(maxFlagged * 100).toFixed(0)} %)`;
  }
  return undefined;
}

const stemOf = (msPath: string) => basename(msPath).replace(/\.ms$/i, '');

/**
 * Predicts the model, solves, checks; accepted tables are moved into `outDir` whole (each replacing
 * a leftover of the same name), each with its QA plots beside it.
 */
export async function calibrate(msPath: string, options: CalibrateOptions = {}): Promise<CalibrationOutcome> {
  const ms = resolve(msPath);
  const threads = options.threads ?? availableParallelism();
  const progress = options.onProgress ?? (() => undefined);
  const info = await calMsInfo(ms);
  let refAntenna = -1;
  if (options.refAntenna !== undefined) {
    refAntenna = info.antennaNames.indexOf(options.refAntenna);
    if (refAntenna < 0) throw new CalibrationError('solve-failed', `${ms}: no antenna named ${options.refAntenna} in the ANTENNA table`);
  }
  progress(0, 'sky model');
  const began = performance.now();
  const sources: ModelSource[] = await skyModelSources(info, options);
  const model = await predictModel(ms, sources, threads);
  const predicted = performance.now();

  progress(0.3, 'solving bandpass and gains');
  const outDir = resolve(options.outDir ?? dirname(ms));
  await mkdir(outDir, { recursive: true });
  const staging = await mkdtemp(join(outDir, `.${stemOf(ms)}.cal-`));
  try {
    const roles: Role[] = [...ROLES, ...(options.solveDelay === true ? [DELAY_ROLE] : [])];
    const staged = roles.map((r) => join(staging, `${stemOf(ms)}_${r.role}`));
    const solved = await calSolve({
      msPath: ms,
      bandpassPath: staged[0]!,
      gainPhasePath: staged[1]!,
      gainAmpPath: staged[2]!,
      ...(options.solveDelay === true && { delayPath: staged[3]! }),
      refAntenna,
      minBaselines: options.minBaselines ?? SOLVE_DEFAULTS.minBaselines,
      minSnr: options.minSnr ?? SOLVE_DEFAULTS.minSnr,
      phaseSolintS: options.phaseSolintS ?? SOLVE_DEFAULTS.phaseSolintS,
      fillGapChannels: options.fillGapChannels ?? SOLVE_DEFAULTS.fillGapChannels,
      threads,
    }).catch((error: unknown) => {
      throw new CalibrationError('solve-failed', error instanceof Error ? error.message : String(error), { cause: error });
    });
    const solvedAt = performance.now();
    const solvedTables = roles.map((role, i) => caltableFrom(solved.tables[i]!, role, staged[i]!));
    // Apply order: delays, bandpass, gains.
    const candidates = [...solvedTables.slice(3), ...solvedTables.slice(0, 3)];
    const rejection = rejectionReason(candidates, solved.refAntennaName, options.maxFlaggedFraction ?? MAX_FLAGGED_FRACTION);
    const tables: Caltable[] = [];
    if (rejection === undefined) {
      const moved: Caltable[] = [];
      for (const table of candidates) {
        const path = join(outDir, basename(table.path));
        await rm(path, { recursive: true, force: true });
        await rename(table.path, path);
        moved.push({ ...table, path });
      }
      const artifacts = await writeQaPlots(moved);
      tables.push(...moved.map((table, i) => ({ ...table, artifacts: artifacts[i]! })));
    }
    const present = info.antennaNames.filter((_, a) => solved.antennaPresent[a] === 1);
    const times = info.timesMjdS;
    const plotted = performance.now();
    progress(1, rejection ?? 'solved');
    return {
      msPath: ms,
      accepted: rejection === undefined,
      ...(rejection !== undefined && { rejection }),
      refAntenna: solved.refAntennaName,
      model,
      modelNonZeroFraction: solved.modelNonZeroFraction,
      dataFlaggedFraction: solved.dataFlaggedFraction,
      antennaFlaggedFraction: Object.fromEntries(present.map((name, i) => [name, solved.antennaFlaggedFraction[i]!])),
      tables,
      validFromMjd: (times[0]! - info.integrationS / 2) / 86400,
      validToMjd: (times[times.length - 1]! + info.integrationS / 2) / 86400,
      seconds: { predict: (predicted - began) / 1000, solve: (solvedAt - predicted) / 1000, plots: (plotted - solvedAt) / 1000 },
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface AppliedTable {
  readonly path: string;
  readonly kind: CaltableKind;
}

/** Bandpass and delays (one solution over the observation) nearest in time, gains linear. */
const interpOf = (kind: CaltableKind) => (kind === 'G' ? 'linear' : 'nearest');

export interface ApplyOutcome extends CalApplyResult {
  readonly msPath: string;
  /** Of the unflagged corrected visibilities, the fraction that is finite and non-zero (1 when verified). */
  readonly correctedNonZeroFraction: number;
  readonly seconds: number;
}

/** CORRECTED_DATA from DATA and the tables (bandpass nearest, gains linear in time); verifies it. */
export async function applyCalibration(msPath: string, tables: readonly AppliedTable[], threads = availableParallelism()): Promise<ApplyOutcome> {
  if (tables.length === 0) throw new CalibrationError('bad-table', 'no calibration tables to apply');
  const ms = resolve(msPath);
  const began = performance.now();
  const result = await calApply({ msPath: ms, tables: tables.map((t) => ({ path: resolve(t.path), interp: interpOf(t.kind) })), threads }).catch(
    (error: unknown) => {
      throw new CalibrationError('bad-table', error instanceof Error ? error.message : String(error), { cause: error });
    },
  );
  const fraction = result.unflagged > 0 ? result.unflaggedNonZeroFinite / result.unflagged : 0;
  if (result.unflagged === 0) throw new CalibrationError('corrected-invalid', `${ms}: every corrected visibility is flagged`);
  if (fraction < 1) {
    throw new CalibrationError('corrected-invalid', `${ms}: ${result.unflagged - result.unflaggedNonZeroFinite} unflagged CORRECTED_DATA values are zero or not finite`);
  }
  return { ...result, msPath: ms, correctedNonZeroFraction: fraction, seconds: (performance.now() - began) / 1000 };
}
