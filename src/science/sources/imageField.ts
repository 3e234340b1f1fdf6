/** The sky an image covers: its centre, the radius of a cone holding it, and its rms at sky positions. */
import type { SourceFinding } from './findSources.js';
import { angularSeparationDeg } from '../catalogs/skyGeometry.js';
import { pixelsToSky, skyToPixels } from './skyFrame.js';

export interface ImageCone {
  readonly raDeg: number;
  readonly decDeg: number;
  /** To the farthest corner. */
  readonly radiusDeg: number;
}

export async function imageCone(finding: Pick<SourceFinding, 'frame' | 'nx' | 'ny' | 'image'>): Promise<ImageCone> {
  const { nx, ny } = finding;
  const [centre, ...corners] = await pixelsToSky(finding.frame, [(nx - 1) / 2, (ny - 1) / 2, 0, 0, nx - 1, 0, 0, ny - 1, nx - 1, ny - 1]);
  const radiusDeg = Math.max(...corners.map((c) => angularSeparationDeg(centre!.raDeg, centre!.decDeg, c.raDeg, c.decDeg)));
  return { raDeg: centre!.raDeg, decDeg: centre!.decDeg, radiusDeg: Number.isFinite(radiusDeg) ? radiusDeg : 90 };
}

/** The finder's rms map at each sky position; NaN off the image or where it is blank. */
export async function rmsAt(finding: Pick<SourceFinding, 'frame' | 'nx' | 'ny' | 'rms'>, positions: readonly { raDeg: number; decDeg: number }[]): Promise<number[]> {
  const pixels = await skyToPixels(finding.frame, positions.flatMap((p) => [p.raDeg, p.decDeg]));
  return positions.map((_, i) => {
    const [x, y] = [Math.round(pixels[2 * i]!), Math.round(pixels[2 * i + 1]!)];
    return x >= 0 && y >= 0 && x < finding.nx && y < finding.ny ? finding.rms[y * finding.nx + x]! : NaN;
  });
}
