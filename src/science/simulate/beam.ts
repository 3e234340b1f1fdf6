/** The DSA-110 primary beam: the Airy pattern of a uniformly illuminated 4.65 m dish. */
import { DISH_DIAMETER_M } from '../site.js';

export const SPEED_OF_LIGHT_M_S = 299792458;

/**
 * 2·J₁(x)/x (1 at x = 0): the power series below x = 12, where its terms stay below 10⁴, and
 * Hankel's asymptotic expansion above; |error| < 2·10⁻¹² against scipy.special.j1.
 */
export function airyAmplitude(x: number): number {
  const ax = Math.abs(x);
  if (ax < 12) {
    // J1(x)/x = Σ (−1)^k (x/2)^(2k) / (2 · k! (k+1)!)
    const q = -(x * x) / 4;
    let term = 0.5;
    let sum = term;
    for (let k = 1; Math.abs(term) > 1e-17 * Math.abs(sum) || k < 3; k++) {
      term *= q / (k * (k + 1));
      sum += term;
    }
    return 2 * sum;
  }
  // J1(x) ≈ √(2/(πx)) (P cos χ − Q sin χ), χ = x − 3π/4, μ = 4.
  const mu = 4;
  const z = 8 * ax;
  let p = 1, q = 0, term = 1;
  for (let k = 1; k <= 12; k++) {
    const next = (term * (mu - (2 * k - 1) ** 2)) / (k * z);
    if (Math.abs(next) > Math.abs(term)) break;
    term = next;
    if (k % 2 === 1) q += (k % 4 === 1 ? 1 : -1) * term;
    else p += (k % 4 === 0 ? 1 : -1) * term;
  }
  const chi = ax - (3 * Math.PI) / 4;
  const j1 = Math.sqrt(2 / (Math.PI * ax)) * (p * Math.cos(chi) - q * Math.sin(chi));
  return (2 * j1) / ax;
}

/** Power response (2·J₁(x)/x)², x = π D sin θ / λ, at angle θ (given as sin θ) from the pointing. */
export function airyPowerBeam(sinTheta: number, frequencyHz: number, diameterM = DISH_DIAMETER_M): number {
  const amplitude = airyAmplitude((Math.PI * diameterM * sinTheta * frequencyHz) / SPEED_OF_LIGHT_M_S);
  return amplitude * amplitude;
}

const FIRST_NULL_X = 3.8317059702075125;

/**
 * An upper bound of airyPowerBeam without its nulls: the main lobe, then the sidelobe envelope
 * 8 / (π x³) (from |J₁(x)| ≲ √(2 / (π x))). For deciding which faint sources can matter.
 */
export function airyPowerEnvelope(sinTheta: number, frequencyHz: number, diameterM = DISH_DIAMETER_M): number {
  const x = (Math.PI * diameterM * sinTheta * frequencyHz) / SPEED_OF_LIGHT_M_S;
  return x < FIRST_NULL_X ? airyPowerBeam(sinTheta, frequencyHz, diameterM) : Math.min(1, 8 / (Math.PI * x ** 3));
}
