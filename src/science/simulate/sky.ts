/**
 * The simulated sky: point sources from the VLA calibrator list (20 cm fluxes), the DSA-110 source
 * list (catalog 1.4 GHz fluxes), an optional NVSS-like random population, and sources given by
 * the user. Positions are J2000 (ICRS); fluxes are at 1.4 GHz with S ∝ ν^α.
 */
import type { Dsa110Source } from '../catalogs/dsa110Sources.js';
import { spectralIndex20to6, type VlaCalibrator } from '../catalogs/vlaCalibrators.js';
import type { RaDec } from './apparent.js';
import { angularDistanceRad } from './geometry.js';
import { Rng } from './prng.js';

export const REFERENCE_FREQUENCY_HZ = 1.4e9;
/** The spectral index of a typical optically thin synchrotron source, used where none is known. */
export const DEFAULT_SPECTRAL_INDEX = -0.7;

export type SourceOrigin = 'vla-calibrator' | 'dsa110-catalog' | 'random' | 'user';

export interface SkySource {
  readonly name: string;
  readonly origin: SourceOrigin;
  readonly raDeg: number;
  readonly decDeg: number;
  /** Flux density at REFERENCE_FREQUENCY_HZ, Jy. */
  readonly fluxJy: number;
  readonly spectralIndex: number;
  /** Names of the same source in other catalogs (merged duplicates). */
  readonly aliases?: readonly string[];
}

const RAD = Math.PI / 180;
export const toRaDec = (source: { raDeg: number; decDeg: number }): RaDec => ({ raRad: source.raDeg * RAD, decRad: source.decDeg * RAD });

export function fluxAt(source: SkySource, frequencyHz: number): number {
  return source.fluxJy * (frequencyHz / REFERENCE_FREQUENCY_HZ) ** source.spectralIndex;
}

/** VLA calibrators with a 20 cm flux; the spectral index from their 20 and 6 cm fluxes when both are listed. */
export function calibratorSources(calibrators: readonly VlaCalibrator[]): SkySource[] {
  return calibrators.flatMap((c) => {
    const fluxJy = c.fluxJy['20cm'];
    if (fluxJy === undefined || fluxJy <= 0) return [];
    return [{
      name: c.name,
      origin: 'vla-calibrator' as const,
      raDeg: c.raDeg,
      decDeg: c.decDeg,
      fluxJy,
      spectralIndex: spectralIndex20to6(c) ?? DEFAULT_SPECTRAL_INDEX,
      ...(c.altName !== undefined && { aliases: [c.altName] }),
    }];
  });
}

export function dsa110CatalogSources(sources: readonly Dsa110Source[]): SkySource[] {
  return sources.map((s) => ({ name: s.name, origin: 'dsa110-catalog', raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.catalogFluxJy, spectralIndex: DEFAULT_SPECTRAL_INDEX }));
}

/**
 * `primary` plus every `secondary` source farther than `radiusArcsec` from all of them; a closer
 * one is the same source and becomes an alias (the primary's flux and position stand).
 */
export function mergeCatalogs(primary: readonly SkySource[], secondary: readonly SkySource[], radiusArcsec = 10): SkySource[] {
  const merged = [...primary];
  const limit = (radiusArcsec / 3600) * RAD;
  for (const source of secondary) {
    const at = toRaDec(source);
    const twin = merged.findIndex((p) => Math.abs(p.decDeg - source.decDeg) < 1 && angularDistanceRad(toRaDec(p), at) < limit);
    if (twin < 0) {
      merged.push(source);
    } else {
      const p = merged[twin]!;
      merged[twin] = { ...p, aliases: [...(p.aliases ?? []), source.name] };
    }
  }
  return merged;
}

/** Sources within `radiusRad` of any of the track's points (J2000 phase centres). */
export function sourcesNearTrack(sources: readonly SkySource[], track: readonly RaDec[], radiusRad: number): SkySource[] {
  return sources.filter((s) => {
    const at = toRaDec(s);
    return track.some((p) => Math.abs(p.decRad - at.decRad) <= radiusRad && angularDistanceRad(p, at) <= radiusRad);
  });
}

/**
 * Integral source counts at 1.4 GHz, per square degree: NVSS's 52 deg⁻² above 2.5 mJy with
 * N(>S) ∝ S^−0.9, steepening to the Euclidean S^−1.5 above 100 mJy (≈ 0.06 deg⁻² above 1 Jy).
 */
export function sourcesPerSquareDegreeAbove(fluxJy: number): number {
  const atBreak = 52 * (0.1 / 0.0025) ** -0.9;
  return fluxJy < 0.1 ? 52 * (fluxJy / 0.0025) ** -0.9 : atBreak * (fluxJy / 0.1) ** -1.5;
}

/** The flux S with N(>S) = n, the inverse of sourcesPerSquareDegreeAbove. */
function fluxWithCount(n: number): number {
  const atBreak = sourcesPerSquareDegreeAbove(0.1);
  return n > atBreak ? 0.0025 * (n / 52) ** (-1 / 0.9) : 0.1 * (n / atBreak) ** (-1 / 1.5);
}

const TILE_DEG = 1;

/**
 * An NVSS-like random population above `minFluxJy` within `radiusRad` of the track. The sky is cut
 * into ~1 deg² tiles, each populated from its own seeded stream, so every group of a run (and
 * every run with the same seed) sees the same sources where their fields overlap.
 */
export function randomSources(seed: number, minFluxJy: number, track: readonly RaDec[], radiusRad: number): SkySource[] {
  const density = sourcesPerSquareDegreeAbove(minFluxJy);
  const decs = track.map((p) => p.decRad / RAD);
  const radiusDeg = radiusRad / RAD;
  const firstBand = Math.max(-90, Math.floor(Math.min(...decs) - radiusDeg - TILE_DEG));
  const lastBand = Math.min(89, Math.floor(Math.max(...decs) + radiusDeg + TILE_DEG));
  const reach = radiusRad + 1.5 * TILE_DEG * RAD;
  const sources: SkySource[] = [];
  for (let band = firstBand; band <= lastBand; band++) {
    const [sinLow, sinHigh] = [Math.sin(band * RAD), Math.sin((band + TILE_DEG) * RAD)];
    const cells = Math.max(1, Math.floor(360 * Math.cos((band + TILE_DEG / 2) * RAD)));
    const cellDeg = 360 / cells;
    for (let cell = 0; cell < cells; cell++) {
      const centre = { raRad: (cell + 0.5) * cellDeg * RAD, decRad: (band + TILE_DEG / 2) * RAD };
      if (!track.some((p) => angularDistanceRad(p, centre) <= reach)) continue;
      const rng = Rng.stream(seed, 'population', band, cell);
      const areaDeg2 = (cellDeg * RAD * (sinHigh - sinLow)) / (RAD * RAD);
      const count = rng.poisson(density * areaDeg2);
      for (let i = 0; i < count; i++) {
        const raDeg = (cell + rng.uniform()) * cellDeg;
        const decDeg = Math.asin(sinLow + rng.uniform() * (sinHigh - sinLow)) / RAD;
        const fluxJy = fluxWithCount(density * (1 - rng.uniform()));
        const source = { raDeg, decDeg };
        if (!track.some((p) => angularDistanceRad(p, toRaDec(source)) <= radiusRad)) continue;
        sources.push({
          name: `SIM J${raDeg.toFixed(4)}${decDeg < 0 ? '-' : '+'}${Math.abs(decDeg).toFixed(4)}`,
          origin: 'random',
          raDeg,
          decDeg,
          fluxJy,
          spectralIndex: DEFAULT_SPECTRAL_INDEX,
        });
      }
    }
  }
  return sources;
}
