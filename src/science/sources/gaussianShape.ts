/**
 * Elliptical Gaussians between the pixel frame and the sky: a Gaussian's shape is a 2 × 2
 * covariance matrix, and a local linear map J from pixel offsets to (east, north) arcsec carries
 * it across (Σ_sky = J Σ_pix Jᵀ), whatever the projection and the orientation of the axes.
 */

export const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);
const RAD = Math.PI / 180;

/** Symmetric 2 × 2 matrix [[a, b], [b, c]]. */
export interface Covariance {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** [[∂east/∂x, ∂east/∂y], [∂north/∂x, ∂north/∂y]], arcsec per pixel. */
export type Jacobian = readonly [readonly [number, number], readonly [number, number]];

/** A Gaussian's σ along its axes and the direction of its major axis as a unit vector in its frame. */
export interface Axes {
  readonly sigmaMajor: number;
  readonly sigmaMinor: number;
  readonly majorDirection: readonly [number, number];
}

export function covarianceOf(sigmaMajor: number, sigmaMinor: number, majorDirection: readonly [number, number]): Covariance {
  const [u, v] = majorDirection;
  const [M, m] = [sigmaMajor ** 2, sigmaMinor ** 2];
  return { a: M * u * u + m * v * v, b: (M - m) * u * v, c: M * v * v + m * u * u };
}

export function axesOf({ a, b, c }: Covariance): Axes {
  const mean = (a + c) / 2;
  const half = Math.hypot((a - c) / 2, b);
  const angle = 0.5 * Math.atan2(2 * b, a - c);
  return { sigmaMajor: Math.sqrt(mean + half), sigmaMinor: Math.sqrt(Math.max(0, mean - half)), majorDirection: [Math.cos(angle), Math.sin(angle)] };
}

/** J Σ Jᵀ. */
export function transformCovariance(j: Jacobian, s: Covariance): Covariance {
  const [[p, q], [r, t]] = j;
  // rows of J Σ
  const [m00, m01, m10, m11] = [p * s.a + q * s.b, p * s.b + q * s.c, r * s.a + t * s.b, r * s.b + t * s.c];
  return { a: m00 * p + m01 * q, b: m00 * r + m01 * t, c: m10 * r + m11 * t };
}

export function invertJacobian([[p, q], [r, t]]: Jacobian): Jacobian {
  const det = p * t - q * r;
  return [
    [t / det, -q / det],
    [-r / det, p / det],
  ];
}

/** A sky Gaussian (FWHM arcsec, position angle east of north, degrees) as a covariance in (east, north) arcsec². */
export function skyCovariance(majorArcsec: number, minorArcsec: number, paDeg: number): Covariance {
  return covarianceOf(majorArcsec / FWHM_PER_SIGMA, minorArcsec / FWHM_PER_SIGMA, [Math.sin(paDeg * RAD), Math.cos(paDeg * RAD)]);
}

/** FWHM axes (arcsec) and position angle east of north in [0, 180) of an (east, north) covariance. */
export function skyShape(covariance: Covariance): { majorArcsec: number; minorArcsec: number; paDeg: number } {
  const { sigmaMajor, sigmaMinor, majorDirection } = axesOf(covariance);
  const pa = Math.atan2(majorDirection[0], majorDirection[1]) / RAD;
  return { majorArcsec: sigmaMajor * FWHM_PER_SIGMA, minorArcsec: sigmaMinor * FWHM_PER_SIGMA, paDeg: ((pa % 180) + 180) % 180 };
}
