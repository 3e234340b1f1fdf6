/**
 * Errors of an elliptical Gaussian fitted to an image whose noise is correlated over the
 * restoring beam: Condon (1997, PASP 109, 166), eqs. 21 and 41. The effective signal-to-noise
 * ratio of each parameter is
 *   ρ² = (θM θm / 4θN²) (1 + θN²/θM²)^αM (1 + θN²/θm²)^αm (A/σ)²
 * with (αM, αm) = (3/2, 3/2) for the amplitude, (5/2, 1/2) for the position along and the width of
 * the major axis, (1/2, 5/2) for the minor axis and the position angle; θN² = bmaj·bmin.
 */
import { FWHM_PER_SIGMA } from './gaussianShape.js';

export interface FitForErrors {
  readonly peakJy: number;
  readonly rmsJy: number;
  /** Fitted FWHM, arcsec, and position angle east of north, degrees. */
  readonly majorArcsec: number;
  readonly minorArcsec: number;
  readonly paDeg: number;
  readonly beamMajorArcsec: number;
  readonly beamMinorArcsec: number;
}

export interface FitErrors {
  readonly peakErrJy: number;
  readonly intFluxErrJy: number;
  readonly raErrArcsec: number;
  readonly decErrArcsec: number;
  readonly majorErrArcsec: number;
  readonly minorErrArcsec: number;
  readonly paErrDeg: number;
}

export function condonErrors(fit: FitForErrors): FitErrors {
  const { majorArcsec: M, minorArcsec: m } = fit;
  const noise2 = fit.beamMajorArcsec * fit.beamMinorArcsec;
  const snr2 = (fit.peakJy / fit.rmsJy) ** 2;
  const rho = (alphaMajor: number, alphaMinor: number) => Math.sqrt(((M * m) / (4 * noise2)) * (1 + noise2 / (M * M)) ** alphaMajor * (1 + noise2 / (m * m)) ** alphaMinor * snr2);
  const relPeak = Math.SQRT2 / rho(1.5, 1.5);
  const relMajor = Math.SQRT2 / rho(2.5, 0.5);
  const relMinor = Math.SQRT2 / rho(0.5, 2.5);
  const alongMajor = (M / FWHM_PER_SIGMA) * relMajor;
  const alongMinor = (m / FWHM_PER_SIGMA) * relMinor;
  const pa = (fit.paDeg * Math.PI) / 180;
  const [sin2, cos2] = [Math.sin(pa) ** 2, Math.cos(pa) ** 2];
  // A round source has no position angle to speak of: its error is capped at 90°.
  const paErrRad = M > m ? Math.min(Math.PI / 2, relMinor * ((2 * M * m) / (M * M - m * m))) : Math.PI / 2;
  const intRel = Math.sqrt(relPeak ** 2 + (noise2 / (M * m)) * (relMajor ** 2 + relMinor ** 2));
  const intFluxJy = (fit.peakJy * M * m) / noise2;
  return {
    peakErrJy: fit.peakJy * relPeak,
    intFluxErrJy: intFluxJy * intRel,
    raErrArcsec: Math.sqrt(alongMajor ** 2 * sin2 + alongMinor ** 2 * cos2),
    decErrArcsec: Math.sqrt(alongMajor ** 2 * cos2 + alongMinor ** 2 * sin2),
    majorErrArcsec: M * relMajor,
    minorErrArcsec: m * relMinor,
    paErrDeg: (paErrRad * 180) / Math.PI,
  };
}
