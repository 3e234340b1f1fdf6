/**
 * The simulated instrument: per-antenna, per-polarisation complex gains that drift slowly with
 * time, smooth bandpasses, dead antennas and RFI. Every parameter comes from a seeded stream keyed
 * by antenna number (not by position in a scaled-down array) and gains are functions of absolute
 * time, so consecutive groups, and separate runs with the same seed, see the same instrument.
 */
import { BAND } from './layout.js';
import { Rng } from './prng.js';

export type Complex = readonly [re: number, im: number];

const DEG = Math.PI / 180;
const HOUR_S = 3600;

/** amplitude · sin(2π x / period + phase), x being a time (s) or a position in the band. */
interface Wander {
  readonly amplitude: number;
  readonly period: number;
  readonly phaseRad: number;
}

const wander = ({ amplitude, period, phaseRad }: Wander, x: number) => amplitude * Math.sin((2 * Math.PI * x) / period + phaseRad);

/** One antenna-polarisation signal chain. */
export interface SignalChain {
  readonly gainAmplitude: number;
  readonly gainPhaseDeg: number;
  /** Fractional amplitude drift. */
  readonly amplitudeWander: Wander;
  /** Phase drift, degrees: hours and tens of minutes. */
  readonly phaseWander: readonly [Wander, Wander];
  /** Bandpass amplitude ripple: 1 + Σ c_m sin(π m x + ψ_m) over the band (x from 0 at the bottom to 1 at the top). */
  readonly ripple: readonly Wander[];
  /** Residual delay, ns: a phase slope 2π τ (ν − ν_centre). */
  readonly delayNs: number;
  readonly phaseRipple: readonly Wander[];
}

export function signalChain(seed: number, antennaNumber: number, polarization: string): SignalChain {
  const rng = Rng.stream(seed, 'signal-chain', antennaNumber, polarization);
  const sinusoid = (amplitude: number, period: number): Wander => ({ amplitude, period, phaseRad: rng.between(0, 2 * Math.PI) });
  return {
    gainAmplitude: Math.max(0.5, 1 + 0.1 * rng.normal()),
    gainPhaseDeg: rng.between(-180, 180),
    amplitudeWander: sinusoid(rng.between(0.01, 0.03), rng.between(2, 6) * HOUR_S),
    phaseWander: [sinusoid(rng.between(2, 10), rng.between(3, 8) * HOUR_S), sinusoid(rng.between(0.2, 1), rng.between(0.5, 1.5) * HOUR_S)],
    ripple: [1, 2, 3].map((m) => sinusoid((0.06 / m) * rng.between(0.5, 1), 2 / m)),
    delayNs: 1.5 * rng.normal(),
    phaseRipple: [1, 2].map((m) => sinusoid((rng.between(1, 5) / m) * DEG, 2 / m)),
  };
}

/** The complex gain at a time (UNIX seconds). */
export function gainAt(chain: SignalChain, unixS: number): Complex {
  const amplitude = chain.gainAmplitude * (1 + wander(chain.amplitudeWander, unixS));
  const phase = (chain.gainPhaseDeg + wander(chain.phaseWander[0], unixS) + wander(chain.phaseWander[1], unixS)) * DEG;
  return [amplitude * Math.cos(phase), amplitude * Math.sin(phase)];
}

/** The complex bandpass at a frequency (Hz): smooth across the whole band, 1 on average. */
export function bandpassAt(chain: SignalChain, frequencyHz: number): Complex {
  const x = (frequencyHz - BAND.bottomEdgeHz) / (BAND.topEdgeHz - BAND.bottomEdgeHz);
  const centreHz = (BAND.topEdgeHz + BAND.bottomEdgeHz) / 2;
  const amplitude = 1 + chain.ripple.reduce((sum, r) => sum + wander(r, x), 0);
  const phase = 2 * Math.PI * chain.delayNs * 1e-9 * (frequencyHz - centreHz) + chain.phaseRipple.reduce((sum, r) => sum + wander(r, x), 0);
  return [amplitude * Math.cos(phase), amplitude * Math.sin(phase)];
}

/** `count` antennas (by number) that deliver no signal. */
export function deadAntennas(seed: number, antennaNumbers: readonly number[], count: number): number[] {
  return Rng.stream(seed, 'dead-antennas').sample(antennaNumbers, count).sort((a, b) => a - b);
}

export interface RfiEvent {
  readonly kind: 'narrowband' | 'broadband';
  /** Integrations [first, end) of the group. */
  readonly firstIntegration: number;
  readonly endIntegration: number;
  /** Frequencies [lowHz, highHz] whose channels it covers (channel centres inside). */
  readonly lowHz: number;
  readonly highHz: number;
  /** Added to the visibility before gains: amplitude with a random phase per visibility (real, for autocorrelations). */
  readonly amplitudeJy: number;
}

/**
 * A group's RFI: two narrow-band carriers (1–3 channels for 2–8 integrations, 20–200 Jy) and one
 * broad-band burst (every channel, one integration, 10–50 Jy). `frequenciesHz` are the channels simulated.
 */
export function rfiEvents(seed: number, groupIndex: number, integrations: number, frequenciesHz: readonly number[]): RfiEvent[] {
  const rng = Rng.stream(seed, 'rfi', groupIndex);
  const logUniform = (low: number, high: number) => low * (high / low) ** rng.uniform();
  const half = BAND.channelWidthHz / 2;
  const narrowband = [0, 1].map((): RfiEvent => {
    const first = rng.int(integrations);
    const centre = frequenciesHz[rng.int(frequenciesHz.length)]!;
    const width = (1 + rng.int(3)) * BAND.channelWidthHz;
    return {
      kind: 'narrowband',
      firstIntegration: first,
      endIntegration: Math.min(integrations, first + 2 + rng.int(7)),
      lowHz: centre - half,
      highHz: centre - half + width,
      amplitudeJy: logUniform(20, 200),
    };
  });
  const burst = rng.int(integrations);
  return [
    ...narrowband,
    {
      kind: 'broadband',
      firstIntegration: burst,
      endIntegration: burst + 1,
      lowHz: Math.min(...frequenciesHz) - half,
      highHz: Math.max(...frequenciesHz) + half,
      amplitudeJy: logUniform(10, 50),
    },
  ];
}
