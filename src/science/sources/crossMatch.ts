/**
 * Cross-match of an image's detected sources with one catalog's sources in its field: nearest
 * neighbour within a radius, astrometric offsets (median ± MAD in RA and Dec, rms), the flux
 * scale (detected integrated / catalog flux, median ± MAD) and completeness (the catalog sources
 * the image should show, at completenessSigma × the local rms, that it does), judged against the
 * incumbent's thresholds (reference/incumbent-backend.md §5–6).
 */
import { angularSeparationDeg } from '../catalogs/skyGeometry.js';
import type { DetectedSource } from './findSources.js';

export interface CrossMatchThresholds {
  readonly radiusArcsec: number;
  /** An issue when |median flux ratio − 1| exceeds this (incumbent: 0.2). */
  readonly maxFluxRatioOffset: number;
  /** An issue when the rms of the match offsets exceeds this (incumbent: 5″). */
  readonly maxAstrometricRmsArcsec: number;
  /** An issue when the median offset exceeds this (incumbent: 2″). */
  readonly maxSystematicArcsec: number;
  /** An issue when fewer of the expected catalog sources are recovered (incumbent: 0.7). */
  readonly minCompleteness: number;
  /** Catalog sources at least this many local σ bright are expected to be detected. */
  readonly completenessSigma: number;
  /** Fewer matches than this are too few to judge astrometry and flux scale (an issue itself). */
  readonly minMatches: number;
}

/** A catalog source in the image's field, with the image's local rms at its position. */
export interface FieldSource {
  readonly name: string;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly fluxJy: number;
  readonly localRmsJy: number;
}

export interface SourceMatch {
  /** Index into the detected sources. */
  readonly source: number;
  readonly catalogName: string;
  readonly separationArcsec: number;
  /** Detected minus catalog, arcsec on the sky (RA × cos Dec). */
  readonly dRaArcsec: number;
  readonly dDecArcsec: number;
  readonly detectedFluxJy: number;
  readonly catalogFluxJy: number;
  readonly fluxRatio: number;
}

/** Median and median absolute deviation (unscaled). */
export interface RobustSpread {
  readonly median: number;
  readonly mad: number;
}

export interface CrossMatchResult {
  readonly radiusArcsec: number;
  /** Catalog sources in the field. */
  readonly candidates: number;
  readonly matches: readonly SourceMatch[];
  /** Catalog sources expected to be detected, and how many of them were. */
  readonly expected: number;
  readonly recovered: number;
  /** recovered / expected; undefined when none is expected. */
  readonly completeness: number | undefined;
  /** Undefined without matches. */
  readonly raOffsetArcsec: RobustSpread | undefined;
  readonly decOffsetArcsec: RobustSpread | undefined;
  readonly rmsOffsetArcsec: number | undefined;
  readonly fluxRatio: RobustSpread | undefined;
  readonly issues: readonly string[];
}

const wrap180 = (deg: number) => ((((deg + 180) % 360) + 360) % 360) - 180;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function robustSpread(values: readonly number[]): RobustSpread | undefined {
  if (values.length === 0) return undefined;
  const m = median(values);
  return { median: m, mad: median(values.map((v) => Math.abs(v - m))) };
}

/** The nearest field source within `radiusArcsec` of each detection. */
function nearestMatches(sources: readonly DetectedSource[], field: readonly FieldSource[], radiusArcsec: number): SourceMatch[] {
  return sources.flatMap((s, index) => {
    let best: { f: FieldSource; sep: number } | undefined;
    for (const f of field) {
      // A cheap box test first: a field holds thousands of catalog sources.
      if (Math.abs(f.decDeg - s.decDeg) * 3600 > radiusArcsec) continue;
      const sep = angularSeparationDeg(s.raDeg, s.decDeg, f.raDeg, f.decDeg) * 3600;
      if (sep <= radiusArcsec && (!best || sep < best.sep)) best = { f, sep };
    }
    if (!best) return [];
    const { f, sep } = best;
    return [
      {
        source: index,
        catalogName: f.name,
        separationArcsec: sep,
        dRaArcsec: wrap180(s.raDeg - f.raDeg) * Math.cos((f.decDeg * Math.PI) / 180) * 3600,
        dDecArcsec: (s.decDeg - f.decDeg) * 3600,
        detectedFluxJy: s.intFluxJy,
        catalogFluxJy: f.fluxJy,
        fluxRatio: s.intFluxJy / f.fluxJy,
      },
    ];
  });
}

export function crossMatch(sources: readonly DetectedSource[], field: readonly FieldSource[], t: CrossMatchThresholds): CrossMatchResult {
  const matches = nearestMatches(sources, field, t.radiusArcsec);
  const matchedNames = new Set(matches.map((m) => m.catalogName));
  const expectedSources = field.filter((f) => f.fluxJy >= t.completenessSigma * f.localRmsJy);
  const recovered = expectedSources.filter((f) => matchedNames.has(f.name)).length;
  const completeness = expectedSources.length > 0 ? recovered / expectedSources.length : undefined;
  const raOffsetArcsec = robustSpread(matches.map((m) => m.dRaArcsec));
  const decOffsetArcsec = robustSpread(matches.map((m) => m.dDecArcsec));
  const fluxRatio = robustSpread(matches.map((m) => m.fluxRatio));
  const rmsOffsetArcsec = matches.length > 0 ? Math.sqrt(matches.reduce((sum, m) => sum + m.separationArcsec ** 2, 0) / matches.length) : undefined;

  const issues: string[] = [];
  if (matches.length < t.minMatches) {
    issues.push(`only ${matches.length} match(es) within ${t.radiusArcsec}″ (< ${t.minMatches}): astrometry and flux scale not judged`);
  } else {
    const ratio = fluxRatio!.median;
    if (Math.abs(ratio - 1) > t.maxFluxRatioOffset) issues.push(`flux scale: median detected/catalog flux ${ratio.toFixed(3)} is off by more than ${(100 * t.maxFluxRatioOffset).toFixed(0)} %`);
    if (rmsOffsetArcsec! > t.maxAstrometricRmsArcsec) issues.push(`astrometry: rms offset ${rmsOffsetArcsec!.toFixed(2)}″ > ${t.maxAstrometricRmsArcsec}″`);
    const systematic = Math.hypot(raOffsetArcsec!.median, decOffsetArcsec!.median);
    if (systematic > t.maxSystematicArcsec) {
      issues.push(`astrometry: systematic offset ${systematic.toFixed(2)}″ (RA ${raOffsetArcsec!.median.toFixed(2)}″, Dec ${decOffsetArcsec!.median.toFixed(2)}″) > ${t.maxSystematicArcsec}″`);
    }
  }
  if (completeness !== undefined && completeness < t.minCompleteness) {
    issues.push(`completeness ${completeness.toFixed(2)} (${recovered} of ${expectedSources.length} catalog sources above ${t.completenessSigma} σ) < ${t.minCompleteness}`);
  }
  return { radiusArcsec: t.radiusArcsec, candidates: field.length, matches, expected: expectedSources.length, recovered, completeness, raOffsetArcsec, decOffsetArcsec, rmsOffsetArcsec, fluxRatio, issues };
}
