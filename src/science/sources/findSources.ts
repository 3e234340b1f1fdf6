/**
 * The source finder: a local background and rms over a box mesh (like BANE), islands seeded at
 * `seedSigma` and grown to `floodSigma`, each fitted with elliptical Gaussians (the native core,
 * GSL), then placed on the sky through the image's WCS with Condon (1997) errors.
 */
import { availableParallelism } from 'node:os';
import { fitsReadImage, sourceFind, type FitsImage, type SourceFindComponent } from '../../../native/index.js';
import { restoringBeam } from '../image/fitsHeader.js';
import { condonErrors } from './condonErrors.js';
import { axesOf, covarianceOf, FWHM_PER_SIGMA, invertJacobian, skyCovariance, skyShape, transformCovariance } from './gaussianShape.js';
import { pixelsToSky, skyFrameOf, type SkyFrame } from './skyFrame.js';
import { SourceFinderError } from './errors.js';

export interface SourceFinderOptions {
  /** Islands start at pixels this many local σ above the background (default 5)… */
  readonly seedSigma?: number;
  /** …and grow through pixels above this (default 3). */
  readonly floodSigma?: number;
  /** Side of the background/rms boxes and their spacing, in restoring-beam major axes (default 20 and 4, BANE's). */
  readonly boxBeams?: number;
  readonly stepBeams?: number;
  /** At most this many Gaussians per island (default 4). */
  readonly maxComponents?: number;
  readonly threads?: number;
}

export interface Beam {
  readonly majorArcsec: number;
  readonly minorArcsec: number;
  readonly paDeg: number;
}

export interface DetectedSource {
  readonly raDeg: number;
  readonly decDeg: number;
  readonly raErrArcsec: number;
  readonly decErrArcsec: number;
  /** Jy/beam. */
  readonly peakJy: number;
  readonly peakErrJy: number;
  /** Jy: peak × fitted area / beam area. */
  readonly intFluxJy: number;
  readonly intFluxErrJy: number;
  /** Fitted FWHM and position angle (east of north). */
  readonly majorArcsec: number;
  readonly minorArcsec: number;
  readonly paDeg: number;
  readonly majorErrArcsec: number;
  readonly minorErrArcsec: number;
  readonly paErrDeg: number;
  /** 0-based pixel position. */
  readonly x: number;
  readonly y: number;
  readonly localRmsJy: number;
  readonly backgroundJy: number;
  /** peak / local rms. */
  readonly snr: number;
  readonly island: number;
  /** false: the Gaussian fit failed; position and peak are the island's brightest pixel, the shape the beam. */
  readonly fitted: boolean;
}

export interface SourceFinding {
  readonly image: string;
  readonly nx: number;
  readonly ny: number;
  readonly beam: Beam;
  readonly frame: SkyFrame;
  readonly islands: number;
  /** Brightest first. */
  readonly sources: readonly DetectedSource[];
  /** The local background and rms maps (x fastest; NaN where the image is blank). */
  readonly background: Float32Array;
  readonly rms: Float32Array;
}

/** Finds the sources of a FITS image's first plane (axes RA, Dec first, as WSClean writes them). */
export async function findSources(path: string, options: SourceFinderOptions = {}): Promise<SourceFinding> {
  let image: FitsImage;
  try {
    image = await fitsReadImage(path);
  } catch (cause) {
    throw new SourceFinderError('bad-input', `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return findSourcesInImage(path, image, options);
}

export async function findSourcesInImage(path: string, image: FitsImage, options: SourceFinderOptions = {}): Promise<SourceFinding> {
  const [nx, ny] = image.shape;
  const axisType = (n: number) => image.cards.find((c) => c.name === `CTYPE${n}`)?.value;
  if (nx === undefined || ny === undefined || !String(axisType(1)).startsWith('RA') || !String(axisType(2)).startsWith('DEC')) {
    throw new SourceFinderError('bad-input', `${path}: the first two axes must be RA and Dec (CTYPE1 ${String(axisType(1))}, CTYPE2 ${String(axisType(2))})`);
  }
  let beam: Beam;
  try {
    beam = restoringBeam(image.cards, path);
  } catch (cause) {
    throw new SourceFinderError('bad-input', `${path}: no restoring beam (BMAJ, BMIN, BPA) in the header`, { cause });
  }
  const frame = skyFrameOf(image);
  const [centre] = await pixelsToSky(frame, [nx / 2, ny / 2]);
  if (!centre || !Number.isFinite(centre.raDeg)) throw new SourceFinderError('bad-input', `${path}: the WCS has no sky position at the image centre`);
  const beamPx = axesOf(transformCovariance(invertJacobian(centre.jacobian), skyCovariance(beam.majorArcsec, beam.minorArcsec, beam.paDeg)));
  const beamFwhmPx = beamPx.sigmaMajor * FWHM_PER_SIGMA;

  const found = await sourceFind({
    data: image.data.subarray(0, nx * ny),
    nx,
    ny,
    beamSigmaMajorPx: beamPx.sigmaMajor,
    beamSigmaMinorPx: beamPx.sigmaMinor,
    beamThetaRad: Math.atan2(beamPx.majorDirection[1], beamPx.majorDirection[0]),
    seedSigma: options.seedSigma ?? 5,
    floodSigma: options.floodSigma ?? 3,
    boxPx: Math.max(3, Math.round((options.boxBeams ?? 20) * beamFwhmPx)),
    stepPx: Math.max(1, Math.round((options.stepBeams ?? 4) * beamFwhmPx)),
    maxComponents: options.maxComponents ?? 4,
    threads: options.threads ?? availableParallelism(),
  });
  const sky = await pixelsToSky(
    frame,
    found.components.flatMap((c) => [c.x, c.y]),
  );
  const sources = found.components.flatMap((component, i) => {
    const point = sky[i]!;
    if (!Number.isFinite(point.raDeg) || !Number.isFinite(point.decDeg)) return [];
    const source = toSource(component, point.raDeg, point.decDeg, transformCovariance(point.jacobian, pixelCovariance(component)), beam);
    // A fit that wandered onto blank pixels has no local rms, hence no errors: not a measurement.
    return Object.values(source).every((v) => typeof v !== 'number' || Number.isFinite(v)) ? [source] : [];
  });
  return { image: path, nx, ny, beam, frame, islands: found.islands, sources: sources.sort((a, b) => b.peakJy - a.peakJy), background: found.background, rms: found.rms };
}

function pixelCovariance(c: SourceFindComponent) {
  return covarianceOf(c.sigmaMajorPx, c.sigmaMinorPx, [Math.cos(c.thetaRad), Math.sin(c.thetaRad)]);
}

function toSource(c: SourceFindComponent, raDeg: number, decDeg: number, covariance: ReturnType<typeof pixelCovariance>, beam: Beam): DetectedSource {
  const shape = skyShape(covariance);
  const errors = condonErrors({ peakJy: c.amplitude, rmsJy: c.rms, ...shape, beamMajorArcsec: beam.majorArcsec, beamMinorArcsec: beam.minorArcsec });
  return {
    raDeg,
    decDeg,
    raErrArcsec: errors.raErrArcsec,
    decErrArcsec: errors.decErrArcsec,
    peakJy: c.amplitude,
    peakErrJy: errors.peakErrJy,
    intFluxJy: (c.amplitude * shape.majorArcsec * shape.minorArcsec) / (beam.majorArcsec * beam.minorArcsec),
    intFluxErrJy: errors.intFluxErrJy,
    ...shape,
    majorErrArcsec: errors.majorErrArcsec,
    minorErrArcsec: errors.minorErrArcsec,
    paErrDeg: errors.paErrDeg,
    x: c.x,
    y: c.y,
    localRmsJy: c.rms,
    backgroundJy: c.background,
    snr: c.amplitude / c.rms,
    island: c.island,
    fitted: c.fitted,
  };
}
