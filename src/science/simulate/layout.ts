/**
 * How DSA-110 lays out an observation in its raw files: the band (16 subband files of 48
 * channels, frequencies descending), the integrations of a 5-minute group, polarisations and
 * baseline order.
 */

/** The 768 channels of 244.140625 kHz fill 1311.25–1498.75 MHz exactly; sb00 is the highest subband. */
export const BAND = {
  topEdgeHz: 1498.75e6,
  bottomEdgeHz: 1311.25e6,
  channelWidthHz: 244140.625,
  subbands: 16,
  channelsPerSubband: 48,
} as const;

export const INTEGRATION_S = 12.884902;
export const INTEGRATIONS_PER_GROUP = 24;
/** A new group every 309.24 s: the real-time budget of every stage. */
export const GROUP_CADENCE_S = INTEGRATIONS_PER_GROUP * INTEGRATION_S;

/** AIPS polarisation codes XX, YY. */
export const POLARIZATIONS = [-5, -6] as const;
export const POLARIZATION_NAMES = ['XX', 'YY'] as const;

/**
 * Channel centres of subband `subband` in file order (descending): its first `channels` channels
 * counted from the top of the subband (all 48 at full size).
 */
export function subbandFrequenciesHz(subband: number, channels: number = BAND.channelsPerSubband): Float64Array {
  const first = subband * BAND.channelsPerSubband;
  return Float64Array.from({ length: channels }, (_, k) => BAND.topEdgeHz - (first + k + 0.5) * BAND.channelWidthHz);
}

/** The band centre, Hz: where the truth quotes beam attenuations. */
export const BAND_CENTRE_HZ = (BAND.topEdgeHz + BAND.bottomEdgeHz) / 2;

/** Antenna index pairs (i ≤ j, autocorrelations included) in the correlator's order: (0,0), (0,1), …, (1,1), … */
export function baselinePairs(nAntennas: number): { readonly first: Int32Array; readonly second: Int32Array } {
  const n = (nAntennas * (nAntennas + 1)) / 2;
  const first = new Int32Array(n);
  const second = new Int32Array(n);
  let b = 0;
  for (let i = 0; i < nAntennas; i++) {
    for (let j = i; j < nAntennas; j++, b++) {
      first[b] = i;
      second[b] = j;
    }
  }
  return { first, second };
}

const DAY_S = 86400;
const UNIX_EPOCH_JD = 2440587.5;

export const jdFromUnixMs = (ms: number) => ms / 1000 / DAY_S + UNIX_EPOCH_JD;
export const unixMsFromJd = (jd: number) => (jd - UNIX_EPOCH_JD) * DAY_S * 1000;
