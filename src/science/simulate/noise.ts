/**
 * Thermal noise from the radiometer equation.
 *
 * A dish of diameter D and aperture efficiency η with system temperature T_sys has
 *   SEFD = 2 k T_sys / (η A),  A = π D² / 4,
 * 5,807 Jy for DSA-110 (25 K, 0.7, 4.65 m). Over a bandwidth Δν and a time τ each voltage gives
 * N = 2 Δν τ independent (Nyquist) samples. The real and the imaginary part of a cross-correlation
 * are each a mean of N products of two independent noise voltages of variances SEFD_i and SEFD_j,
 * so (Thompson, Moran & Swenson 2017, §6.2)
 *   σ(re) = σ(im) = √(SEFD_i SEFD_j / N) = SEFD / √(2 Δν τ)   (2.31 Jy for 244.14 kHz × 12.885 s).
 * An autocorrelation is a mean of N squares of one voltage of variance P (≈ SEFD): its real part
 * has rms √(2 P² / N) = P / √(Δν τ), and it has no imaginary part.
 * The image noise of natural weighting follows: σ_image = SEFD / √(N_pol N_bl Δν t).
 */
import { DISH_DIAMETER_M } from '../site.js';

export const SYSTEM_TEMPERATURE_K = 25;
export const APERTURE_EFFICIENCY = 0.7;
const BOLTZMANN_J_K = 1.380649e-23;
const JANSKY = 1e-26;

/** System equivalent flux density of one dish, Jy. */
export function sefdJy(systemTemperatureK = SYSTEM_TEMPERATURE_K, apertureEfficiency = APERTURE_EFFICIENCY, diameterM = DISH_DIAMETER_M): number {
  const area = (Math.PI * diameterM * diameterM) / 4;
  return (2 * BOLTZMANN_J_K * systemTemperatureK) / (apertureEfficiency * area) / JANSKY;
}

/** Noise rms of the real (and of the imaginary) part of one cross-correlation visibility, Jy. */
export function crossSigmaJy(sefd: number, channelWidthHz: number, integrationS: number): number {
  return sefd / Math.sqrt(2 * channelWidthHz * integrationS);
}

/** Noise rms of an autocorrelation of total power `powerJy`, Jy. */
export function autoSigmaJy(powerJy: number, channelWidthHz: number, integrationS: number): number {
  return powerJy / Math.sqrt(channelWidthHz * integrationS);
}
