/**
 * Which VLA calibrator, if any, makes a group a calibrator group: one of ≥ 1 Jy at 20 cm inside
 * the primary beam's half-power radius around the meridian pointing at the group's mid-time,
 * usable at DSA-110's baselines, the brightest as seen through the beam.
 */
import { ApparentFrame } from '../simulate/apparent.js';
import { airyPowerBeam, SPEED_OF_LIGHT_M_S } from '../simulate/beam.js';
import { BAND_CENTRE_HZ } from '../simulate/layout.js';
import { DISH_DIAMETER_M } from '../site.js';
import type { ConeMatch } from './catalogSource.js';
import { angularSeparationDeg } from './skyGeometry.js';
import type { VlaCalibratorEntry } from './vlaCalibrators.js';

const DEG = 180 / Math.PI;

export interface CalibratorCandidate {
  readonly name: string;
  readonly altName?: string;
  /** J2000, degrees. */
  readonly raDeg: number;
  readonly decDeg: number;
  /** 20 cm flux density, Jy. */
  readonly fluxJy: number;
  /** 20 cm quality codes for the VLA A, B, C, D configurations ("XXSS"), when known. */
  readonly quality?: string;
}

export interface SelectedCalibrator extends CalibratorCandidate {
  readonly separationDeg: number;
  /** Airy power response at the band centre. */
  readonly beamResponse: number;
  /** fluxJy × beamResponse. */
  readonly apparentFluxJy: number;
}

export interface CalibratorSelection {
  /** Absent when the group is not a calibrator group. */
  readonly calibrator?: SelectedCalibrator;
  readonly reason: string;
  /** The pointing searched around, J2000 degrees. */
  readonly pointing: { readonly raDeg: number; readonly decDeg: number };
  readonly radiusDeg: number;
}

export interface SelectionOptions {
  /** Default 1 Jy. */
  readonly minFluxJy?: number;
  /** Default: the half-power radius at the band centre (halfPowerRadiusDeg()). */
  readonly radiusDeg?: number;
  readonly frequencyHz?: number;
}

/**
 * The half-power radius of the 4.65 m Airy beam at `frequencyHz` (1.36° at the DSA-110 band
 * centre, 1.405 GHz), found by bisection on the beam itself.
 */
export function halfPowerRadiusDeg(frequencyHz = BAND_CENTRE_HZ, diameterM = DISH_DIAMETER_M): number {
  const firstNullSin = (3.8317059702075125 * SPEED_OF_LIGHT_M_S) / (Math.PI * diameterM * frequencyHz);
  let [low, high] = [0, firstNullSin];
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (airyPowerBeam(mid, frequencyHz, diameterM) > 0.5) low = mid;
    else high = mid;
  }
  return Math.asin((low + high) / 2) * DEG;
}

/** The J2000 place of the meridian (hour angle 0) at `decAppDeg` (apparent of date) at OVRO at `jdUtc`. */
export function meridianPointing(jdUtc: number, decAppDeg: number): { raDeg: number; decDeg: number } {
  const frame = new ApparentFrame(jdUtc);
  const { raRad, decRad } = frame.astrometric(frame.lstRad, decAppDeg / DEG);
  return { raDeg: ((raRad * DEG) % 360 + 360) % 360, decDeg: decRad * DEG };
}

/** Candidates from the VLA calibrator list: those with a 20 cm flux. */
export function candidatesFromVlaList(entries: readonly VlaCalibratorEntry[]): CalibratorCandidate[] {
  return entries.flatMap((c) => {
    const fluxJy = c.fluxJy['20cm'];
    if (fluxJy === undefined) return [];
    const quality = c.quality['20cm'];
    return [{ name: c.name, ...(c.altName !== undefined && { altName: c.altName }), raDeg: c.raDeg, decDeg: c.decDeg, fluxJy, ...(quality !== undefined && { quality }) }];
  });
}

/** Candidates from a cone search of the catalog database's imported VLA calibrator list. */
export function candidatesFromCatalog(matches: readonly ConeMatch[]): CalibratorCandidate[] {
  return matches.map((m) => {
    const extra = m.extra as { altName?: string; quality?: Record<string, string> } | undefined;
    const quality = extra?.quality?.['20cm'];
    return { name: m.name, ...(extra?.altName !== undefined && { altName: extra.altName }), raDeg: m.raDeg, decDeg: m.decDeg, fluxJy: m.fluxJy, ...(quality !== undefined && { quality }) };
  });
}

const label = (c: CalibratorCandidate) => (c.altName && !/^[A-Z]+$/.test(c.altName) ? `${c.name} (${c.altName})` : c.name);

// The VLA C configuration (baselines to 3.4 km) is the closest to DSA-110's (to ~2.6 km): a
// calibrator graded X there is resolved or confused at our resolution.
const unusable = (c: CalibratorCandidate) => c.quality?.[2] === 'X';

/** The calibrator choice for a group whose primary beam points at `pointing` (J2000, at mid-time). */
export function selectCalibrator(candidates: readonly CalibratorCandidate[], pointing: { raDeg: number; decDeg: number }, options: SelectionOptions = {}): CalibratorSelection {
  const minFluxJy = options.minFluxJy ?? 1;
  const frequencyHz = options.frequencyHz ?? BAND_CENTRE_HZ;
  const radiusDeg = options.radiusDeg ?? halfPowerRadiusDeg(frequencyHz);
  const inBeam = candidates
    .map((c): SelectedCalibrator => {
      const separationDeg = angularSeparationDeg(pointing.raDeg, pointing.decDeg, c.raDeg, c.decDeg);
      const beamResponse = airyPowerBeam(Math.sin(separationDeg / DEG), frequencyHz);
      return { ...c, separationDeg, beamResponse, apparentFluxJy: c.fluxJy * beamResponse };
    })
    .filter((c) => c.separationDeg <= radiusDeg)
    .sort((a, b) => b.apparentFluxJy - a.apparentFluxJy);
  const bright = inBeam.filter((c) => c.fluxJy >= minFluxJy);
  const usable = bright.filter((c) => !unusable(c));
  const where = `within ${radiusDeg.toFixed(2)}° (the half-power radius at ${(frequencyHz / 1e9).toFixed(3)} GHz) of RA ${pointing.raDeg.toFixed(3)}° Dec ${pointing.decDeg.toFixed(3)}°`;
  const base = { pointing, radiusDeg };
  const best = usable[0];
  if (!best) {
    const why =
      bright.length > 0
        ? `the ${bright.length} VLA calibrator(s) ≥ ${minFluxJy} Jy at 20 cm ${where} are graded X (unusable) for the C configuration: ${bright.map(label).join(', ')}`
        : inBeam.length > 0
          ? `no VLA calibrator ≥ ${minFluxJy} Jy at 20 cm ${where}; the brightest there is ${label(inBeam[0]!)} at ${inBeam[0]!.fluxJy} Jy`
          : `no VLA calibrator ${where}`;
    return { ...base, reason: why };
  }
  const others = usable.length > 1 ? `; brighter than ${usable.slice(1).map((c) => `${label(c)} (${c.apparentFluxJy.toFixed(2)} Jy apparent)`).join(', ')}` : '';
  return {
    ...base,
    calibrator: best,
    reason:
      `${label(best)}: ${best.fluxJy} Jy at 20 cm${best.quality ? ` (quality ${best.quality.replace(/ /g, '-')})` : ''}, ${best.separationDeg.toFixed(3)}° from the meridian pointing, ` +
      `beam response ${best.beamResponse.toFixed(3)}, ${best.apparentFluxJy.toFixed(2)} Jy apparent; the brightest usable one ≥ ${minFluxJy} Jy ${where}${others}`,
  };
}
