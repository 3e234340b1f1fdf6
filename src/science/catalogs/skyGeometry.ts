/** Great circles on the celestial sphere, in degrees. */

const RAD = Math.PI / 180;

export type UnitVector = readonly [number, number, number];

export function unitVector(raDeg: number, decDeg: number): UnitVector {
  const ra = raDeg * RAD;
  const dec = decDeg * RAD;
  return [Math.cos(dec) * Math.cos(ra), Math.cos(dec) * Math.sin(ra), Math.sin(dec)];
}

/** Great-circle distance (Vincenty's formula: accurate at every separation, unlike acos of a dot product). */
export function angularSeparationDeg(ra1Deg: number, dec1Deg: number, ra2Deg: number, dec2Deg: number): number {
  const dRa = (ra2Deg - ra1Deg) * RAD;
  const [d1, d2] = [dec1Deg * RAD, dec2Deg * RAD];
  const y = Math.hypot(Math.cos(d2) * Math.sin(dRa), Math.cos(d1) * Math.sin(d2) - Math.sin(d1) * Math.cos(d2) * Math.cos(dRa));
  const x = Math.sin(d1) * Math.sin(d2) + Math.cos(d1) * Math.cos(d2) * Math.cos(dRa);
  return Math.atan2(y, x) / RAD;
}

/** `deg` in [0, 360). */
export function wrapRaDeg(deg: number): number {
  const wrapped = deg % 360;
  return wrapped < 0 ? wrapped + 360 : wrapped === 360 ? 0 : wrapped;
}

/**
 * The RA intervals (within [0, 360]) that hold every point within `radiusDeg` of (raDeg, decDeg):
 * the half-width is asin(sin r / cos δ), the exact RA extent of a small circle; one interval
 * when the cone contains a pole, two when it straddles RA 0.
 */
export function raRangesOfCone(raDeg: number, decDeg: number, radiusDeg: number): [number, number][] {
  if (Math.abs(decDeg) + radiusDeg >= 90) return [[0, 360]];
  const ratio = Math.sin(radiusDeg * RAD) / Math.cos(decDeg * RAD);
  if (ratio >= 1) return [[0, 360]];
  const half = Math.asin(ratio) / RAD;
  const low = wrapRaDeg(raDeg) - half;
  const high = wrapRaDeg(raDeg) + half;
  if (low < 0) return [[0, high], [low + 360, 360]];
  if (high > 360) return [[low, 360], [0, high - 360]];
  return [[low, high]];
}
