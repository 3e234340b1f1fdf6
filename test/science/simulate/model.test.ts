import { describe, expect, it } from 'vitest';
import { ApparentFrame, nextTransitJd } from '../../../src/science/simulate/apparent.js';
import { airyAmplitude, airyPowerBeam, SPEED_OF_LIGHT_M_S } from '../../../src/science/simulate/beam.js';
import { angularDistanceRad, directionCosines, meridianUvw } from '../../../src/science/simulate/geometry.js';
import { bandpassAt, deadAntennas, gainAt, rfiEvents, signalChain } from '../../../src/science/simulate/instrument.js';
import { BAND, baselinePairs, subbandFrequenciesHz } from '../../../src/science/simulate/layout.js';
import { crossSigmaJy, sefdJy } from '../../../src/science/simulate/noise.js';
import { Rng, seed53 } from '../../../src/science/simulate/prng.js';
import { mergeCatalogs, randomSources, sourcesPerSquareDegreeAbove, type SkySource } from '../../../src/science/simulate/sky.js';
import { OVRO } from '../../../src/science/site.js';

const RAD = Math.PI / 180;
const MAS = RAD / 3600 / 1000;

describe('apparent places', () => {
  // astropy 8.0.2: SkyCoord(icrs).transform_to(TETE(obstime, location=OVRO)), delta_ut1_utc = 0.
  const ASTROPY = [
    [2461066.43, 343.4906163833333, 16.148211358333334, 343.809309402, 16.287234527, 341.752199081],
    [2461066.43, 10.0, -30.0, 10.319733627, -29.859748269, 341.752199081],
    [2461066.43, 200.0, 80.0, 200.073777499, 79.856593933, 341.752199081],
    [2460500.9, 343.4906163833333, 16.148211358333334, 343.795590825, 16.277619615, 313.536825921],
    [2460500.9, 10.0, -30.0, 10.301850232, -29.862079869, 313.536825921],
    [2460500.9, 200.0, 80.0, 200.065068273, 79.87681305, 313.536825921],
  ] as const;

  // astronomy-engine truncates nutation to 5 terms: ~30–60 mas from IAU 2000A, mostly a shift of the
  // equinox that RA and sidereal time share, so hour angles agree better.
  it('agree with astropy within 0.1″, and hour angles within 0.1″ on the sky', () => {
    for (const [jd, ra, dec, appRa, appDec, lst] of ASTROPY) {
      const frame = new ApparentFrame(jd);
      const apparent = frame.apparent(ra * RAD, dec * RAD);
      const reference = { raRad: appRa * RAD, decRad: appDec * RAD };
      expect(angularDistanceRad(apparent, reference) / MAS).toBeLessThan(100);
      const hourAngle = frame.hourAngleRad(apparent) - (lst - appRa) * RAD;
      expect((Math.abs(Math.atan2(Math.sin(hourAngle), Math.cos(hourAngle))) * Math.cos(appDec * RAD)) / MAS).toBeLessThan(100);
    }
  });

  it('invert to J2000 and find transits', () => {
    const frame = new ApparentFrame(2461066.43);
    const apparent = frame.apparent(1.5, 0.3);
    const back = frame.astrometric(apparent.raRad, apparent.decRad);
    expect(angularDistanceRad(back, { raRad: 1.5, decRad: 0.3 }) / MAS).toBeLessThan(0.01);
    const transit = nextTransitJd(1.5, 0.3, 2461066.43);
    expect(transit).toBeGreaterThanOrEqual(2461066.43);
    expect(transit - 2461066.43).toBeLessThan(1);
    const at = new ApparentFrame(transit);
    expect(Math.abs(at.hourAngleRad(at.apparent(1.5, 0.3))) / MAS).toBeLessThan(1);
  });
});

describe('geometry', () => {
  it('puts an east-west baseline along u at the meridian and a source at the phase centre at (0, 0, 1)', () => {
    const lon = OVRO.longitudeDeg * RAD;
    const [u, v, w] = meridianUvw([-Math.sin(lon) * 100, Math.cos(lon) * 100, 0], 0.3);
    expect([u, v, w].map((x) => +x.toFixed(9))).toEqual([100, 0, 0]);
    const [l, m, n] = directionCosines({ raRad: 2, decRad: 0.3 }, 2, 0.3);
    expect([l, m, n]).toEqual([0, expect.closeTo(0, 15), 1]);
  });
});

describe('primary beam', () => {
  it('is 2 J1(x) / x as scipy computes it, squared, with its half power at 1.029 λ/D', () => {
    // scipy.special.j1
    for (const [x, value] of [[0, 1], [1, 0.8801011714898671], [5, -0.13103165503658612], [15, 0.027347205148469705], [20, 0.006683312417585021]] as const) {
      expect(airyAmplitude(x)).toBeCloseTo(value, 11);
    }
    expect(Math.abs(airyAmplitude(3.8317059702075125))).toBeLessThan(1e-11);
    const f = 1.4e9;
    const sinHalfWidth = (1.028993 * SPEED_OF_LIGHT_M_S) / f / 4.65 / 2;
    expect(airyPowerBeam(sinHalfWidth, f)).toBeCloseTo(0.5, 5);
  });
});

describe('radiometer equation', () => {
  it('gives SEFD 5,807 Jy and 2.315 Jy per visibility component for a DSA-110 channel and integration', () => {
    expect(sefdJy()).toBeCloseTo(5807.1, 1);
    expect(crossSigmaJy(sefdJy(), BAND.channelWidthHz, 12.884902)).toBeCloseTo(2.3152, 4);
  });
});

describe('layout', () => {
  it('fills 1311.25–1498.75 MHz with 16 × 48 descending channels, sb00 highest', () => {
    const all = Array.from({ length: 16 }, (_, sb) => Array.from(subbandFrequenciesHz(sb))).flat();
    expect(all).toHaveLength(768);
    expect(all[0]).toBe(1498.75e6 - BAND.channelWidthHz / 2);
    expect(all[767]).toBe(1311.25e6 + BAND.channelWidthHz / 2);
    all.slice(1).forEach((f, k) => expect(all[k]! - f).toBe(BAND.channelWidthHz));
    expect(baselinePairs(3)).toEqual({ first: Int32Array.of(0, 0, 0, 1, 1, 2), second: Int32Array.of(0, 1, 2, 1, 2, 2) });
    expect(baselinePairs(96).first).toHaveLength(4656);
  });
});

describe('seeded randomness', () => {
  it('repeats a stream for the same seed and key and separates different keys', () => {
    const draw = (rng: Rng) => Array.from({ length: 5 }, () => rng.uniform());
    expect(draw(Rng.stream(3, 'gain', 7))).toEqual(draw(Rng.stream(3, 'gain', 7)));
    expect(draw(Rng.stream(3, 'gain', 7))).not.toEqual(draw(Rng.stream(3, 'gain', 8)));
    expect(seed53(3, 'noise', 0, 1)).not.toBe(seed53(3, 'noise', 0, 2));
    expect(Number.isSafeInteger(seed53(3, 'noise', 0, 1))).toBe(true);
    const rng = Rng.stream(1, 'test');
    const counts = Array.from({ length: 2000 }, () => rng.poisson(4.5));
    expect(counts.reduce((a, b) => a + b, 0) / counts.length).toBeCloseTo(4.5, 0);
  });
});

describe('instrument', () => {
  it('drifts gains slowly, keeps bandpasses near 1, and draws dead antennas and RFI from the seed', () => {
    const chain = signalChain(1, 12, 'XX');
    const [a, b] = [gainAt(chain, 1.8e9), gainAt(chain, 1.8e9 + 300)];
    const phaseStepDeg = (Math.atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1]) * 180) / Math.PI;
    expect(Math.abs(phaseStepDeg)).toBeLessThan(3);
    expect(Math.abs(Math.hypot(...b) / Math.hypot(...a) - 1)).toBeLessThan(0.01);
    for (const f of subbandFrequenciesHz(7)) expect(Math.abs(Math.hypot(...bandpassAt(chain, f)) - 1)).toBeLessThan(0.2);
    expect(deadAntennas(1, [1, 2, 3, 4, 5, 6], 2)).toEqual(deadAntennas(1, [1, 2, 3, 4, 5, 6], 2));
    const events = rfiEvents(1, 0, 24, Array.from(subbandFrequenciesHz(0)));
    expect(events.map((e) => e.kind)).toEqual(['narrowband', 'narrowband', 'broadband']);
    for (const e of events) expect(e.endIntegration).toBeGreaterThan(e.firstIntegration);
  });
});

describe('sky', () => {
  const source = (name: string, raDeg: number, decDeg: number): SkySource => ({ name, origin: 'user', raDeg, decDeg, fluxJy: 1, spectralIndex: -0.7 });

  it('merges a source listed twice into the first catalog entry, with the other name as an alias', () => {
    const merged = mergeCatalogs([source('A', 10, 20)], [source('B', 10 + 2 / 3600, 20), source('C', 11, 20)]);
    expect(merged.map((s) => [s.name, s.aliases])).toEqual([['A', ['B']], ['C', undefined]]);
  });

  it('counts sources like NVSS and gives each patch of sky the same random sources whatever the field', () => {
    expect(sourcesPerSquareDegreeAbove(0.0025)).toBe(52);
    expect(sourcesPerSquareDegreeAbove(0.0999999)).toBeCloseTo(sourcesPerSquareDegreeAbove(0.1), 4);
    expect(sourcesPerSquareDegreeAbove(1)).toBeCloseTo(0.06, 2);
    const track = (raDeg: number) => [{ raRad: raDeg * RAD, decRad: 16 * RAD }];
    const a = randomSources(5, 0.01, track(100), 3 * RAD);
    const b = randomSources(5, 0.01, track(101), 3 * RAD);
    expect(a.length).toBeGreaterThan(100);
    expect(a.every((s) => s.fluxJy >= 0.01)).toBe(true);
    const near = (s: SkySource) => angularDistanceRad({ raRad: s.raDeg * RAD, decRad: s.decDeg * RAD }, { raRad: 100.5 * RAD, decRad: 16 * RAD }) < 1 * RAD;
    expect(a.filter(near)).toEqual(b.filter(near));
  });
});
