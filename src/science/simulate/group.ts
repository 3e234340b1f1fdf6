/**
 * One group (5 minutes, 16 subband files) of a simulated drift scan, planned without I/O: times,
 * pointing, the sources in the field with their apparent positions and direction cosines per
 * integration, the instrument's state, and the native simulator's spec for each file.
 */
import type { SimulateUvh5Spec } from '../../../native/index.js';
import { OVRO } from '../site.js';
import { relativeEcef, type Station } from '../stations.js';
import { ApparentFrame } from './apparent.js';
import { airyPowerBeam, airyPowerEnvelope } from './beam.js';
import { directionCosines, meridianUvw } from './geometry.js';
import { bandpassAt, gainAt, rfiEvents, type RfiEvent, type SignalChain } from './instrument.js';
import { baselinePairs, BAND, INTEGRATION_S, INTEGRATIONS_PER_GROUP, jdFromUnixMs, POLARIZATION_NAMES, subbandFrequenciesHz } from './layout.js';
import { autoSigmaJy, crossSigmaJy, sefdJy } from './noise.js';
import { seed53 } from './prng.js';
import { fluxAt, randomSources, sourcesNearTrack, toRaDec, type SkySource } from './sky.js';
import type { GroupHeader } from './uvh5Header.js';

/** Everything that stays the same for every group of a run. */
export interface RunPlan {
  readonly seed: number;
  /** UNIX ms of the first group's start (its first integration's start). */
  readonly startMs: number;
  readonly pointingDecRad: number;
  readonly integrations: number;
  /** Subband numbers written (0 = sb00, the highest). */
  readonly subbands: readonly number[];
  readonly channels: number;
  readonly stations: readonly Station[];
  /** The stations with data (index = antenna index in the native spec). */
  readonly antennas: readonly Station[];
  readonly dead: ReadonlySet<number>;
  /** Per antenna index, per polarisation; absent when gains are off (unity gains and bandpasses). */
  readonly chains?: readonly (readonly SignalChain[])[];
  /** Catalog and user sources; those near each group's track are observed. */
  readonly sky: readonly SkySource[];
  readonly skyRadiusRad: number;
  /** NVSS-like random population above this 1.4 GHz flux, Jy; absent for none. */
  readonly randomMinFluxJy?: number;
  readonly noise: boolean;
  readonly rfi: boolean;
  readonly objectName: string;
  readonly history: string;
  readonly threads: number;
}

export interface PlannedSource {
  readonly source: SkySource;
  /** [nTimes, 3] direction cosines from the phase centre. */
  readonly lmn: Float64Array;
  /** [nTimes] false when below the horizon. */
  readonly visible: readonly boolean[];
}

export interface GroupPlan {
  readonly index: number;
  readonly startMs: number;
  readonly timesJd: Float64Array;
  /** [nTimes] local apparent sidereal time = the phase centre's apparent RA, rad. */
  readonly lstRad: Float64Array;
  readonly sources: readonly PlannedSource[];
  /** [nAnts, 3] antenna positions in the phase centre's (u, v, w) frame, m. */
  readonly antennaUvwM: Float64Array;
  readonly header: GroupHeader;
  /** [nTimes, nAnts, nPols, 2]. */
  readonly gains: Float32Array;
  readonly rfi: readonly RfiEvent[];
}

const SIN_LATITUDE = Math.sin((OVRO.latitudeDeg * Math.PI) / 180);
const COS_LATITUDE = Math.cos((OVRO.latitudeDeg * Math.PI) / 180);

export function planGroup(run: RunPlan, index: number): GroupPlan {
  // Groups keep the correlator's 309 s spacing in time even when scaled down to fewer integrations.
  const startMs = run.startMs + index * Math.max(run.integrations, INTEGRATIONS_PER_GROUP) * INTEGRATION_S * 1000;
  const timesJd = Float64Array.from({ length: run.integrations }, (_, t) => jdFromUnixMs(startMs + (t + 0.5) * INTEGRATION_S * 1000));
  const frames = Array.from(timesJd, (jd) => new ApparentFrame(jd));
  const lstRad = Float64Array.from(frames, (f) => f.lstRad);
  const track = frames.map((f) => f.astrometric(f.lstRad, run.pointingDecRad));
  const observe = (source: SkySource): PlannedSource => {
    const { raRad, decRad } = toRaDec(source);
    const apparent = frames.map((f) => f.apparent(raRad, decRad));
    const lmn = new Float64Array(3 * frames.length);
    apparent.forEach((a, t) => lmn.set(directionCosines(a, lstRad[t]!, run.pointingDecRad), 3 * t));
    const visible = apparent.map((a, t) => SIN_LATITUDE * Math.sin(a.decRad) + COS_LATITUDE * Math.cos(a.decRad) * Math.cos(lstRad[t]! - a.raRad) > 0);
    return { source, lmn, visible };
  };
  const { randomMinFluxJy } = run;
  // Of the random population only the sources that can reach the flux cut through the beam count.
  const random =
    randomMinFluxJy === undefined
      ? []
      : randomSources(run.seed, randomMinFluxJy, track, run.skyRadiusRad)
          .map(observe)
          .filter((p) => peakApparentFluxJy(p) >= randomMinFluxJy);
  const sources = [...sourcesNearTrack(run.sky, track, run.skyRadiusRad).map(observe), ...random];

  const nAnts = run.antennas.length;
  const pairs = baselinePairs(nAnts);
  const antennaUvwM = Float64Array.from(run.antennas.flatMap((s) => meridianUvw(relativeEcef(s), run.pointingDecRad)));
  const baselineUvwM = new Float64Array(3 * pairs.first.length);
  for (let b = 0; b < pairs.first.length; b++) {
    for (let c = 0; c < 3; c++) baselineUvwM[3 * b + c] = antennaUvwM[3 * pairs.second[b]! + c]! - antennaUvwM[3 * pairs.first[b]! + c]!;
  }

  const nPols = POLARIZATION_NAMES.length;
  const gains = new Float32Array(run.integrations * nAnts * nPols * 2);
  for (let t = 0; t < run.integrations; t++) {
    const unixS = startMs / 1000 + (t + 0.5) * INTEGRATION_S;
    for (let a = 0; a < nAnts; a++) {
      for (let p = 0; p < nPols; p++) {
        const chain = run.chains?.[a]?.[p];
        gains.set(chain ? gainAt(chain, unixS) : [1, 0], ((t * nAnts + a) * nPols + p) * 2);
      }
    }
  }

  const frequencies = run.subbands.flatMap((sb) => Array.from(subbandFrequenciesHz(sb, run.channels)));
  return {
    index,
    startMs,
    timesJd,
    lstRad,
    sources,
    antennaUvwM,
    header: {
      stations: run.stations,
      antennaNumbers: run.antennas.map((s) => s.number),
      ant1: pairs.first,
      ant2: pairs.second,
      baselineUvwM,
      timesJd,
      pointingDecRad: run.pointingDecRad,
      objectName: run.objectName,
      history: run.history,
    },
    gains,
    rfi: run.rfi ? rfiEvents(run.seed, index, run.integrations, frequencies) : [],
  };
}

/** An upper bound of a source's apparent flux during the group: at the bottom of the band, where the beam is widest. */
function peakApparentFluxJy({ source, lmn, visible }: PlannedSource): number {
  let peak = 0;
  visible.forEach((up, t) => {
    if (up && lmn[3 * t + 2]! > 0) peak = Math.max(peak, airyPowerEnvelope(Math.hypot(lmn[3 * t]!, lmn[3 * t + 1]!), BAND.bottomEdgeHz));
  });
  return peak * fluxAt(source, BAND.bottomEdgeHz);
}

/** The native simulator's spec for one subband file of a planned group (without path and header). */
export function fileSpec(run: RunPlan, group: GroupPlan, subband: number): Omit<SimulateUvh5Spec, 'path' | 'header'> {
  const freqHz = subbandFrequenciesHz(subband, run.channels);
  const nTimes = run.integrations;
  const nAnts = run.antennas.length;
  const nFreqs = freqHz.length;
  const nPols = POLARIZATION_NAMES.length;
  const nSources = group.sources.length;

  const sourceLmn = new Float64Array(nTimes * nSources * 3);
  const sourceFluxJy = new Float32Array(nTimes * nSources * nFreqs);
  group.sources.forEach(({ source, lmn, visible }, s) => {
    const spectrum = Array.from(freqHz, (f) => fluxAt(source, f));
    for (let t = 0; t < nTimes; t++) {
      const [l, m, n] = [lmn[3 * t]!, lmn[3 * t + 1]!, lmn[3 * t + 2]!];
      sourceLmn.set([l, m, n], (t * nSources + s) * 3);
      if (!visible[t] || n <= 0) continue;
      const sinTheta = Math.hypot(l, m);
      for (let k = 0; k < nFreqs; k++) {
        sourceFluxJy[(t * nSources + s) * nFreqs + k] = spectrum[k]! * airyPowerBeam(sinTheta, freqHz[k]!);
      }
    }
  });

  const bandpass = new Float32Array(nAnts * nPols * nFreqs * 2);
  for (let a = 0; a < nAnts; a++) {
    for (let p = 0; p < nPols; p++) {
      const chain = run.chains?.[a]?.[p];
      for (let k = 0; k < nFreqs; k++) bandpass.set(chain ? bandpassAt(chain, freqHz[k]!) : [1, 0], ((a * nPols + p) * nFreqs + k) * 2);
    }
  }

  const rfi: number[] = [];
  for (const event of group.rfi) {
    const inside = Array.from(freqHz, (f, k) => (f >= event.lowHz && f <= event.highHz ? k : -1)).filter((k) => k >= 0);
    if (inside.length > 0) rfi.push(event.firstIntegration, event.endIntegration, Math.min(...inside), Math.max(...inside) + 1, event.amplitudeJy);
  }

  const sefd = sefdJy();
  return {
    nTimes,
    nAnts,
    nPols,
    ant1: group.header.ant1,
    ant2: group.header.ant2,
    antennaUvwM: repeatPerTime(group.antennaUvwM, nTimes),
    freqHz,
    sourceLmn,
    sourceFluxJy,
    gains: group.gains,
    bandpass,
    dead: Uint8Array.from(run.antennas, (s) => (run.dead.has(s.number) ? 1 : 0)),
    systemJy: sefd,
    crossSigmaJy: run.noise ? crossSigmaJy(sefd, BAND.channelWidthHz, INTEGRATION_S) : 0,
    autoSigmaJy: run.noise ? autoSigmaJy(sefd, BAND.channelWidthHz, INTEGRATION_S) : 0,
    rfi: Float64Array.from(rfi),
    seed: seed53(run.seed, 'noise', group.index, subband),
    threads: run.threads,
  };
}

function repeatPerTime(values: Float64Array, nTimes: number): Float64Array {
  const out = new Float64Array(nTimes * values.length);
  for (let t = 0; t < nTimes; t++) out.set(values, t * values.length);
  return out;
}
