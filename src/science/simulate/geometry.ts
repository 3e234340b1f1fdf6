/**
 * Interferometer geometry of a meridian drift scan. The phase centre of every integration is the
 * local meridian (hour angle 0) at the pointing declination δ₀, both apparent (true equator and
 * equinox of date): a direction fixed on the Earth, so (u, v, w) do not change with time.
 */
import { OVRO } from '../site.js';
import type { Vec3 } from '../stations.js';
import type { RaDec } from './apparent.js';

/**
 * An ECEF vector (m) in the (u, v, w) frame of the direction at Greenwich hour angle H and
 * declination δ (Thompson, Moran & Swenson eq. 4.1); for the local meridian H = −(east longitude).
 * uvw of a baseline = uvw(xyz(ant2)) − uvw(xyz(ant1)).
 */
export function meridianUvw([x, y, z]: Vec3, decRad: number): Vec3 {
  const h = (-OVRO.longitudeDeg * Math.PI) / 180;
  const [sinH, cosH, sinD, cosD] = [Math.sin(h), Math.cos(h), Math.sin(decRad), Math.cos(decRad)];
  return [sinH * x + cosH * y, -sinD * cosH * x + sinD * sinH * y + cosD * z, cosD * cosH * x - cosD * sinH * y + sinD * z];
}

/**
 * Direction cosines (l, m, n) of an apparent place relative to the phase centre (RA = LST,
 * Dec = δ₀): l = cos δ sin Δα, m = sin δ cos δ₀ − cos δ sin δ₀ cos Δα, n = cos(angle to it).
 */
export function directionCosines(source: RaDec, lstRad: number, phaseCentreDecRad: number): Vec3 {
  const dRa = source.raRad - lstRad;
  const [sinD, cosD, sinD0, cosD0] = [Math.sin(source.decRad), Math.cos(source.decRad), Math.sin(phaseCentreDecRad), Math.cos(phaseCentreDecRad)];
  return [cosD * Math.sin(dRa), sinD * cosD0 - cosD * sinD0 * Math.cos(dRa), sinD * sinD0 + cosD * cosD0 * Math.cos(dRa)];
}

/** Great-circle distance between two directions, rad (haversine: exact at small angles). */
export function angularDistanceRad(a: RaDec, b: RaDec): number {
  const s = Math.sin((b.decRad - a.decRad) / 2) ** 2 + Math.cos(a.decRad) * Math.cos(b.decRad) * Math.sin((b.raRad - a.raRad) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s)));
}
