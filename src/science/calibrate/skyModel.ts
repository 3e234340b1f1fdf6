/**
 * The calibration sky model: point sources (J2000, flux at 1.4 GHz, spectral index) seen through
 * the Airy primary beam of the simulator (beam.ts), predicted into MODEL_DATA by the native direct
 * Fourier transform: the calibrator, given sources, and the brightest catalog sources in the beam
 * (from a cone search the caller supplies: science never opens the catalog database). The beam is evaluated here per integration (the dish stays on the meridian
 * while the sky drifts); the phases come from casacore in the native core, in the MS's own frame.
 */
import { availableParallelism } from 'node:os';
import { calMsInfo, calPredict, type CalMsInfo } from '../../../native/index.js';
import { DEFAULT_VLA_CALIBRATORS, findVlaCalibrator, readVlaCalibrators, type VlaCalibrator } from '../catalogs/vlaCalibrators.js';
import type { CatalogSource } from '../catalogs/catalogSource.js';
import { angularSeparationDeg } from '../catalogs/skyGeometry.js';
import { ApparentFrame } from '../simulate/apparent.js';
import { airyPowerBeam } from '../simulate/beam.js';
import { directionCosines } from '../simulate/geometry.js';
import { calibratorSources, DEFAULT_SPECTRAL_INDEX, fluxAt, type SkySource } from '../simulate/sky.js';
import { SITE_ECEF } from '../stations.js';
import { CalibrationError } from './errors.js';

const RAD = Math.PI / 180;
const MJD_TO_JD = 2400000.5;
/** A calibrator must be at least this bright at 20 cm and see at least half the beam's power. */
export const MIN_CALIBRATOR_FLUX_JY = 1;
export const MIN_CALIBRATOR_BEAM = 0.5;

const jdOf = (mjdS: number) => mjdS / 86400 + MJD_TO_JD;

/** Primary-beam power towards a J2000 source at each integration, at `frequencyHz`, and the pointing geometry behind it. */
export class BeamGeometry {
  readonly #frames: ApparentFrame[];
  readonly #pointingDecRad: number;

  constructor(info: CalMsInfo) {
    const field = info.fields[0];
    if (field === undefined) throw new CalibrationError('no-calibrator', 'the MS has no FIELD');
    const times = info.timesMjdS;
    this.#frames = Array.from(times, (t) => new ApparentFrame(jdOf(t)));
    // The dish points at the meridian at the apparent declination of the phase centre at mid-time.
    const mid = new ApparentFrame(jdOf((times[0]! + times[times.length - 1]!) / 2));
    this.#pointingDecRad = mid.apparent(field.raRad, field.decRad).decRad;
  }

  /** The apparent place at integration t: local hour angle and declination of date, rad. */
  haDec(source: SkySource, t: number): [number, number] {
    const frame = this.#frames[t]!;
    const apparent = frame.apparent(source.raDeg * RAD, source.decDeg * RAD);
    return [frame.hourAngleRad(apparent), apparent.decRad];
  }

  /** sin of the angle from the pointing at integration t (1 on the far side of the sky). */
  sinOffset(source: SkySource, t: number): number {
    const frame = this.#frames[t]!;
    const apparent = frame.apparent(source.raDeg * RAD, source.decDeg * RAD);
    const [l, m, n] = directionCosines(apparent, frame.lstRad, this.#pointingDecRad);
    return n > 0 ? Math.hypot(l, m) : 1;
  }

  power(source: SkySource, t: number, frequencyHz: number): number {
    return airyPowerBeam(this.sinOffset(source, t), frequencyHz);
  }

  get integrations(): number {
    return this.#frames.length;
  }
}

/** A model source as the sky model uses it, with where it came from. */
export type ModelSource = SkySource;

/** The VLA calibrator `name` as a model source; throws when it has no 20 cm flux (never a default flux). */
export function calibratorModelSource(calibrators: readonly VlaCalibrator[], name: string): ModelSource {
  const found = findVlaCalibrator(calibrators, name);
  const [source] = calibratorSources([found]);
  if (source === undefined) throw new CalibrationError('no-calibrator', `calibrator ${found.name} has no 20 cm flux in the VLA list: give its flux as a source`);
  return source;
}

/** VLA calibrators of ≥ 1 Jy at 20 cm seen with ≥ half the beam's power at mid-time, brightest apparent flux first. */
export function calibratorsInBeam(calibrators: readonly VlaCalibrator[], info: CalMsInfo, geometry = new BeamGeometry(info)): { source: ModelSource; beam: number }[] {
  const mid = Math.floor(geometry.integrations / 2);
  const centreHz = centreFrequencyHz(info);
  return calibratorSources(calibrators)
    .filter((s) => s.fluxJy >= MIN_CALIBRATOR_FLUX_JY)
    .map((source) => ({ source, beam: geometry.power(source, mid, centreHz) }))
    .filter((c) => c.beam >= MIN_CALIBRATOR_BEAM)
    .sort((a, b) => fluxAt(b.source, centreHz) * b.beam - fluxAt(a.source, centreHz) * a.beam);
}

export function centreFrequencyHz(info: CalMsInfo): number {
  const first = info.spwFreqHz[0]!;
  const last = info.spwFreqHz[info.spwFreqHz.length - 1]!;
  return (first[0]! + last[last.length - 1]!) / 2;
}

/** Catalog sources (with the catalog's name) within `radiusDeg` of a J2000 position: a cone search. */
export type CatalogLookup = (raDeg: number, decDeg: number, radiusDeg: number) => readonly (CatalogSource & { readonly catalog: string })[];

export const CATALOG_DEFAULTS = {
  /** About the first null of the 4.65 m dish at the band's low edge (3.5° at 1.28 GHz). */
  radiusDeg: 3.5,
  /** Apparent flux (band centre, beam at mid-time) below which a catalog source is left out, Jy: 10 % of the faintest calibrator. */
  minApparentJy: 0.1,
  /** At most this many catalog sources, the brightest through the beam: each costs a DFT pass (about 0.5 s of CPU on a full-size group). */
  maxSources: 5,
} as const;

export interface SkyModelRequest {
  /** A VLA calibrator by name (J2000 name or alias); otherwise the brightest one in the beam. */
  readonly calibrator?: string | undefined;
  /** Further sources (or the only ones, with no calibrator found). */
  readonly sources?: readonly ModelSource[] | undefined;
  readonly vlaCalibratorsPath?: string | undefined;
  /** Adds the brightest catalog sources in the beam (CATALOG_DEFAULTS) to the calibrator. */
  readonly catalog?: CatalogLookup | undefined;
}

/**
 * The catalog's sources around the field centre that are at least `minApparentJy` through the
 * beam at mid-time and band centre, brightest apparent first, at most `maxSources`; `exclude`
 * leaves out sources already modelled (within 10″ of one: the calibrator is in the catalogs too).
 */
export function catalogModelSources(
  info: CalMsInfo,
  lookup: CatalogLookup,
  exclude: readonly ModelSource[] = [],
  options: { radiusDeg?: number; minApparentJy?: number; maxSources?: number } = {},
  geometry = new BeamGeometry(info),
): ModelSource[] {
  const field = info.fields[0]!;
  const mid = Math.floor(geometry.integrations / 2);
  const centreHz = centreFrequencyHz(info);
  const minApparentJy = options.minApparentJy ?? CATALOG_DEFAULTS.minApparentJy;
  const near = (a: ModelSource, b: ModelSource) => angularSeparationDeg(a.raDeg, a.decDeg, b.raDeg, b.decDeg) < 10 / 3600;
  return lookup(field.raRad / RAD, field.decRad / RAD, options.radiusDeg ?? CATALOG_DEFAULTS.radiusDeg)
    .map((s): ModelSource => ({ name: `${s.catalog}:${s.name}`, origin: 'user', raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.fluxJy, spectralIndex: s.spectralIndex ?? DEFAULT_SPECTRAL_INDEX }))
    .filter((source) => !exclude.some((known) => near(known, source)))
    .map((source) => ({ source, apparentJy: fluxAt(source, centreHz) * geometry.power(source, mid, centreHz) }))
    .filter((c) => c.apparentJy >= minApparentJy)
    .sort((a, b) => b.apparentJy - a.apparentJy)
    .slice(0, options.maxSources ?? CATALOG_DEFAULTS.maxSources)
    .map((c) => c.source);
}

/**
 * The sources to model: the named or in-beam calibrator plus the given ones, then the catalog's
 * (when a lookup is given); throws 'no-calibrator' when there is no calibrator or given source.
 */
export async function skyModelSources(info: CalMsInfo, request: SkyModelRequest): Promise<ModelSource[]> {
  const sources = await calibratorAndGivenSources(info, request);
  return request.catalog ? [...sources, ...catalogModelSources(info, request.catalog, sources)] : sources;
}

async function calibratorAndGivenSources(info: CalMsInfo, request: SkyModelRequest): Promise<ModelSource[]> {
  const given = [...(request.sources ?? [])];
  if (request.calibrator !== undefined) {
    const calibrators = await readVlaCalibrators(request.vlaCalibratorsPath ?? DEFAULT_VLA_CALIBRATORS);
    return [calibratorModelSource(calibrators, request.calibrator), ...given];
  }
  if (given.length > 0) return given;
  const calibrators = await readVlaCalibrators(request.vlaCalibratorsPath ?? DEFAULT_VLA_CALIBRATORS);
  const [best] = calibratorsInBeam(calibrators, info);
  if (best === undefined) {
    const field = info.fields[0]!;
    throw new CalibrationError(
      'no-calibrator',
      `no VLA calibrator of ≥ ${MIN_CALIBRATOR_FLUX_JY} Jy at 20 cm within the half-power beam of the field at RA ${(field.raRad / RAD).toFixed(4)}°, ` +
        `Dec ${(field.decRad / RAD).toFixed(4)}°: name one with --calibrator or give --source`,
    );
  }
  return [best.source];
}

/** [nTimes][nSources][nSpw·nChan] apparent flux: spectrum × beam power. */
export function apparentFluxes(info: CalMsInfo, sources: readonly ModelSource[], geometry = new BeamGeometry(info)): Float32Array {
  const frequencies = info.spwFreqHz.flatMap((f) => Array.from(f));
  const nT = info.timesMjdS.length;
  const flux = new Float32Array(nT * sources.length * frequencies.length);
  for (let t = 0; t < nT; t++) {
    sources.forEach((source, s) => {
      const sinOffset = geometry.sinOffset(source, t);
      const offset = (t * sources.length + s) * frequencies.length;
      frequencies.forEach((f, k) => {
        flux[offset + k] = fluxAt(source, f) * airyPowerBeam(sinOffset, f);
      });
    });
  }
  return flux;
}

/** [nTimes][nSources][2] local hour angle and declination of date. */
function apparentPlaces(sources: readonly ModelSource[], geometry: BeamGeometry): Float64Array {
  const places = new Float64Array(geometry.integrations * sources.length * 2);
  for (let t = 0; t < geometry.integrations; t++) {
    sources.forEach((source, s) => places.set(geometry.haDec(source, t), (t * sources.length + s) * 2));
  }
  return places;
}

export interface PredictResult {
  readonly sources: readonly ModelSource[];
  /** The largest |MODEL_DATA|, Jy. */
  readonly maxModelJy: number;
  /** Each source's beam power at mid-time and band centre. */
  readonly beamAtMid: readonly number[];
}

/** Predicts `sources` into MODEL_DATA; throws 'model-zero' when the model vanishes (e.g. every source outside the beam). */
export async function predictModel(msPath: string, sources: readonly ModelSource[], threads = availableParallelism()): Promise<PredictResult> {
  if (sources.length === 0) throw new CalibrationError('no-calibrator', 'no sources to predict');
  const info = await calMsInfo(msPath);
  const geometry = new BeamGeometry(info);
  const fluxJy = apparentFluxes(info, sources, geometry);
  const { maxAbsJy } = await calPredict({
    msPath,
    siteItrfM: Float64Array.from(SITE_ECEF),
    nSources: sources.length,
    sourceHaDecRad: apparentPlaces(sources, geometry),
    fluxJy,
    threads,
  });
  if (!(maxAbsJy > 0)) throw new CalibrationError('model-zero', `${msPath}: the predicted MODEL_DATA is zero (${sources.map((s) => s.name).join(', ')}: outside the beam?)`);
  const mid = Math.floor(geometry.integrations / 2);
  const centreHz = centreFrequencyHz(info);
  return { sources, maxModelJy: maxAbsJy, beamAtMid: sources.map((s) => geometry.power(s, mid, centreHz)) };
}
