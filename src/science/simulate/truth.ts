/**
 * The ground truth of a simulated group, written beside its files as `{groupId}_truth.json`:
 * everything injected (sources, gains, bandpasses, dead antennas, RFI, noise) and the conventions
 * that tie it to the visibilities, so later stages can be checked against it.
 */
import { DISH_DIAMETER_M } from '../site.js';
import { ApparentFrame } from './apparent.js';
import { airyPowerBeam } from './beam.js';
import { directionCosines } from './geometry.js';
import type { GroupPlan, RunPlan } from './group.js';
import { bandpassAt, type RfiEvent } from './instrument.js';
import { BAND, BAND_CENTRE_HZ, INTEGRATION_S, jdFromUnixMs, POLARIZATION_NAMES, subbandFrequenciesHz } from './layout.js';
import { APERTURE_EFFICIENCY, autoSigmaJy, crossSigmaJy, sefdJy, SYSTEM_TEMPERATURE_K } from './noise.js';
import { fluxAt, REFERENCE_FREQUENCY_HZ, type SourceOrigin } from './sky.js';

export const TRUTH_SCHEMA = 'contimg.simulate.truth/1';

const CONVENTIONS = [
  'uvw = xyz(ant_2) - xyz(ant_1), in the (u, v, w) frame of the phase centre: hour angle 0 and declination pointing.decDeg, apparent of date (so uvw is the same for every integration)',
  'visibility(ant_1 = i, ant_2 = j) = g_i conj(g_j) b_i(nu) conj(b_j(nu)) (sky + noise + rfi)',
  'sky = sum over sources of S(nu) A(theta, nu) exp(+2 pi i (u l + v m + w (n - 1)) nu / c) (pyuvdata sign convention); XX = YY = Stokes I (unpolarised)',
  'S(nu) = fluxJy (nu / referenceFrequencyHz)^spectralIndex; A = (2 J1(x) / x)^2 with x = pi D sin(theta) nu / c, D = 4.65 m, theta from the pointing',
  'autocorrelations = |g_i b_i|^2 (SEFD + sum S A + noise + rfi), real',
  'each visibility is the response at the channel centre and the integration centre (no bandwidth or time smearing)',
  'times are UTC Julian dates of integration centres; sidereal time with UT1 = UTC',
];

const DEG = 180 / Math.PI;
const round = (x: number, digits = 7) => Number(x.toFixed(digits));
const complex = ([re, im]: readonly [number, number]) => [round(re), round(im)];
const iso = (ms: number) => new Date(ms).toISOString();

export interface TruthSource {
  readonly name: string;
  readonly origin: SourceOrigin;
  readonly aliases?: readonly string[];
  readonly raJ2000Deg: number;
  readonly decJ2000Deg: number;
  readonly fluxJy: number;
  readonly referenceFrequencyHz: number;
  readonly spectralIndex: number;
  /** At the group's mid-time. */
  readonly apparentAtMid: { readonly raDeg: number; readonly decDeg: number; readonly hourAngleDeg: number };
  readonly offsetFromPointingDeg: number;
  readonly beamAtBandCentre: number;
  /** fluxAt(band centre) × beamAtBandCentre. */
  readonly apparentFluxJy: number;
}

export interface Truth {
  readonly schema: typeof TRUTH_SCHEMA;
  readonly groupId: string;
  readonly groupIndex: number;
  readonly seed: number;
  readonly files: readonly string[];
  readonly conventions: readonly string[];
  readonly observation: {
    readonly startUtc: string;
    readonly midUtc: string;
    readonly endUtc: string;
    readonly integrationS: number;
    readonly timesJd: readonly number[];
    readonly lstDeg: readonly number[];
  };
  readonly pointing: {
    readonly frame: string;
    readonly hourAngleDeg: 0;
    readonly decDeg: number;
    readonly j2000AtMid: { readonly raDeg: number; readonly decDeg: number };
    readonly calibrator?: string;
  };
  readonly band: { readonly subbands: readonly number[]; readonly channelWidthHz: number; readonly frequenciesHz: readonly (readonly number[])[] };
  readonly noise: {
    readonly enabled: boolean;
    readonly systemTemperatureK: number;
    readonly apertureEfficiency: number;
    readonly dishDiameterM: number;
    readonly sefdJy: number;
    readonly crossSigmaJy: number;
    readonly autoSigmaJy: number;
    readonly formula: string;
  };
  readonly antennas: { readonly numbers: readonly number[]; readonly names: readonly string[]; readonly dead: readonly number[] };
  readonly sources: readonly TruthSource[];
  /** Per antenna number, per polarisation, per integration: [re, im]. */
  readonly gains: { readonly enabled: boolean; readonly antennas: Readonly<Record<string, Readonly<Record<string, readonly number[][]>>>> };
  /** Per antenna number, per polarisation, per channel of band.frequenciesHz (subband after subband): [re, im]. */
  readonly bandpasses: { readonly enabled: boolean; readonly antennas: Readonly<Record<string, Readonly<Record<string, readonly number[][]>>>> };
  readonly rfi: readonly RfiEvent[];
}

export function groupTruth(run: RunPlan, group: GroupPlan, groupId: string, files: readonly string[], calibrator?: string): Truth {
  const nTimes = group.timesJd.length;
  const midMs = group.startMs + (nTimes * INTEGRATION_S * 1000) / 2;
  const mid = new ApparentFrame(jdFromUnixMs(midMs));
  const pointingJ2000 = mid.astrometric(mid.lstRad, run.pointingDecRad);
  const sources = group.sources.map(({ source }): TruthSource => {
    const apparent = mid.apparent(source.raDeg / DEG, source.decDeg / DEG);
    const [l, m, n] = directionCosines(apparent, mid.lstRad, run.pointingDecRad);
    const beam = n > 0 ? airyPowerBeam(Math.hypot(l, m), BAND_CENTRE_HZ) : 0;
    return {
      name: source.name,
      origin: source.origin,
      ...(source.aliases && { aliases: source.aliases }),
      raJ2000Deg: source.raDeg,
      decJ2000Deg: source.decDeg,
      fluxJy: source.fluxJy,
      referenceFrequencyHz: REFERENCE_FREQUENCY_HZ,
      spectralIndex: round(source.spectralIndex, 4),
      apparentAtMid: { raDeg: round(apparent.raRad * DEG, 9), decDeg: round(apparent.decRad * DEG, 9), hourAngleDeg: round(mid.hourAngleRad(apparent) * DEG, 9) },
      offsetFromPointingDeg: round(Math.atan2(Math.hypot(l, m), n) * DEG, 6),
      beamAtBandCentre: round(beam, 9),
      apparentFluxJy: round(fluxAt(source, BAND_CENTRE_HZ) * beam, 9),
    };
  });
  sources.sort((a, b) => b.apparentFluxJy - a.apparentFluxJy);

  const frequencies = run.subbands.map((sb) => Array.from(subbandFrequenciesHz(sb, run.channels)));
  const perChain = (value: (a: number, p: number) => number[][]) =>
    Object.fromEntries(run.antennas.map((s, a) => [String(s.number), Object.fromEntries(POLARIZATION_NAMES.map((pol, p) => [pol, value(a, p)]))]));
  const sefd = sefdJy();
  return {
    schema: TRUTH_SCHEMA,
    groupId,
    groupIndex: group.index,
    seed: run.seed,
    files,
    conventions: CONVENTIONS,
    observation: {
      startUtc: iso(group.startMs),
      midUtc: iso(midMs),
      endUtc: iso(group.startMs + nTimes * INTEGRATION_S * 1000),
      integrationS: INTEGRATION_S,
      timesJd: Array.from(group.timesJd),
      lstDeg: Array.from(group.lstRad, (r) => round(r * DEG, 9)),
    },
    pointing: {
      frame: 'topocentric apparent, true equator and equinox of date (the meridian at OVRO)',
      hourAngleDeg: 0,
      decDeg: run.pointingDecRad * DEG,
      j2000AtMid: { raDeg: round(pointingJ2000.raRad * DEG, 9), decDeg: round(pointingJ2000.decRad * DEG, 9) },
      ...(calibrator !== undefined && { calibrator }),
    },
    band: { subbands: run.subbands, channelWidthHz: BAND.channelWidthHz, frequenciesHz: frequencies },
    noise: {
      enabled: run.noise,
      systemTemperatureK: SYSTEM_TEMPERATURE_K,
      apertureEfficiency: APERTURE_EFFICIENCY,
      dishDiameterM: DISH_DIAMETER_M,
      sefdJy: round(sefd, 3),
      crossSigmaJy: run.noise ? round(crossSigmaJy(sefd, BAND.channelWidthHz, INTEGRATION_S), 6) : 0,
      autoSigmaJy: run.noise ? round(autoSigmaJy(sefd, BAND.channelWidthHz, INTEGRATION_S), 6) : 0,
      formula: 'SEFD = 2 k Tsys / (eta pi D^2 / 4); cross: sigma(re) = sigma(im) = SEFD / sqrt(2 channelWidth integration); auto: SEFD / sqrt(channelWidth integration)',
    },
    antennas: { numbers: run.antennas.map((s) => s.number), names: run.antennas.map((s) => s.name), dead: [...run.dead].sort((a, b) => a - b) },
    sources,
    gains: {
      enabled: run.chains !== undefined,
      antennas: perChain((a, p) =>
        Array.from(group.timesJd, (_, t) => {
          const at = ((t * run.antennas.length + a) * POLARIZATION_NAMES.length + p) * 2;
          return complex([group.gains[at]!, group.gains[at + 1]!]);
        }),
      ),
    },
    bandpasses: {
      enabled: run.chains !== undefined,
      antennas: perChain((a, p) => frequencies.flat().map((f) => complex(run.chains ? bandpassAt(run.chains[a]![p]!, f) : [1, 0]))),
    },
    rfi: group.rfi,
  };
}
