/**
 * Apparent places and sidereal time at OVRO: J2000 (ICRS) catalog position → topocentric apparent
 * right ascension and declination of date (true equator and equinox), the frame in which the
 * meridian (hour angle 0) and the pointing declination are defined.
 *
 * The steps are ERFA's (`eraAtciq` with an equinox-based matrix, as astropy's TETE): light
 * deflection by the Sun, annual + diurnal aberration (relativistic formula), then frame bias,
 * precession (IAU 2006) and nutation (IAU 2000B) from astronomy-engine. Time is UTC with
 * UT1 = UTC (|UT1 − UTC| < 0.9 s, i.e. < 14″ of hour angle at worst; astropy agrees to a few mas
 * when given the same assumption). Refraction and polar motion are ignored.
 */
import { AstroTime, BaryState, Body, HelioVector, Observer, ObserverState, RotateVector, Rotation_EQJ_EQD, SiderealTime, Vector } from 'astronomy-engine';
import { OVRO } from '../site.js';

const C_AU_PER_DAY = 173.1446326846693;
/** Schwarzschild radius of the Sun, AU (ERFA_SRS). */
const SUN_SCHWARZSCHILD_AU = 1.97412574336e-8;
const JD_J2000 = 2451545.0;
const MAS = Math.PI / 180 / 3600 / 1000;
// IAU 2000 frame bias, ICRS → mean J2000 (first order): dα0, ξ0, η0.
const BIAS_DRA0 = -14.6 * MAS;
const BIAS_XI0 = -16.617 * MAS;
const BIAS_ETA0 = -6.8192 * MAS;

const observer = new Observer(OVRO.latitudeDeg, OVRO.longitudeDeg, OVRO.heightM);

export interface RaDec {
  readonly raRad: number;
  readonly decRad: number;
}

type V3 = [number, number, number];

const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (ra: number, dec: number): V3 => [Math.cos(dec) * Math.cos(ra), Math.cos(dec) * Math.sin(ra), Math.sin(dec)];
const wrap = (angle: number) => ((angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);

function toRaDec(p: V3): RaDec {
  return { raRad: wrap(Math.atan2(p[1], p[0])), decRad: Math.atan2(p[2], Math.hypot(p[0], p[1])) };
}

/** The astronomy-engine time of a UTC Julian date, taking UT1 = UTC. */
export function astroTime(jdUtc: number): AstroTime {
  return new AstroTime(jdUtc - JD_J2000);
}

/** Local apparent sidereal time at OVRO (GAST + east longitude), radians in [0, 2π). */
export function localSiderealTimeRad(jdUtc: number): number {
  return wrap(((SiderealTime(astroTime(jdUtc)) * 15 + OVRO.longitudeDeg) * Math.PI) / 180);
}

/** Earth's rotation rate relative to the equinox, rad per day of UT1. */
const SIDEREAL_RAD_PER_DAY = 2 * Math.PI * 1.0027378119113546;

/** The first Julian date at or after `afterJd` when the apparent place of a J2000 position crosses OVRO's meridian. */
export function nextTransitJd(raJ2000Rad: number, decJ2000Rad: number, afterJd: number): number {
  const hourAngleAt = (jd: number) => {
    const frame = new ApparentFrame(jd);
    return frame.hourAngleRad(frame.apparent(raJ2000Rad, decJ2000Rad));
  };
  let jd = afterJd - hourAngleAt(afterJd) / SIDEREAL_RAD_PER_DAY;
  if (jd < afterJd) jd += (2 * Math.PI) / SIDEREAL_RAD_PER_DAY;
  for (let i = 0; i < 3; i++) jd -= hourAngleAt(jd) / SIDEREAL_RAD_PER_DAY;
  return jd;
}

/** Everything that depends only on the time, computed once and applied to many sources. */
export class ApparentFrame {
  readonly jdUtc: number;
  /** Local apparent sidereal time, rad. */
  readonly lstRad: number;
  readonly #velocity: V3; // observer's barycentric velocity / c
  readonly #lorentzInverse: number;
  readonly #sunToObserver: V3; // unit vector
  readonly #sunDistanceAu: number;
  readonly #time: AstroTime;

  constructor(jdUtc: number) {
    const time = astroTime(jdUtc);
    this.jdUtc = jdUtc;
    this.#time = time;
    this.lstRad = localSiderealTimeRad(jdUtc);
    const earth = BaryState(Body.Earth, time);
    const site = ObserverState(time, observer, false);
    this.#velocity = [(earth.vx + site.vx) / C_AU_PER_DAY, (earth.vy + site.vy) / C_AU_PER_DAY, (earth.vz + site.vz) / C_AU_PER_DAY];
    this.#lorentzInverse = Math.sqrt(1 - dot(this.#velocity, this.#velocity));
    const helio = HelioVector(Body.Earth, time);
    const sunToObserver: V3 = [helio.x + site.x, helio.y + site.y, helio.z + site.z];
    this.#sunDistanceAu = Math.sqrt(dot(sunToObserver, sunToObserver));
    this.#sunToObserver = sunToObserver.map((c) => c / this.#sunDistanceAu) as V3;
  }

  /** J2000 (ICRS) → apparent place of date at OVRO. */
  apparent(raJ2000Rad: number, decJ2000Rad: number): RaDec {
    const p = unit(raJ2000Rad, decJ2000Rad);
    // Light deflection by the Sun (eraLdsun: the source is at infinity, so q = p).
    const e = this.#sunToObserver;
    const limit = 1e-6 / Math.max(this.#sunDistanceAu * this.#sunDistanceAu, 1);
    const w = SUN_SCHWARZSCHILD_AU / this.#sunDistanceAu / Math.max(dot(p, [p[0] + e[0], p[1] + e[1], p[2] + e[2]]), limit);
    const bent = cross(p, cross(e, p));
    const deflected: V3 = [p[0] + w * bent[0], p[1] + w * bent[1], p[2] + w * bent[2]];
    // Aberration (eraAb).
    const v = this.#velocity;
    const bm1 = this.#lorentzInverse;
    const pdv = dot(deflected, v);
    const w1 = 1 + pdv / (1 + bm1);
    const w2 = SUN_SCHWARZSCHILD_AU / this.#sunDistanceAu;
    const aberrated = deflected.map((pi, i) => pi * bm1 + w1 * v[i]! + w2 * (v[i]! - pdv * pi)) as V3;
    // Frame bias, then precession and nutation.
    const [x, y, z] = aberrated;
    const mean = new Vector(x + BIAS_DRA0 * y - BIAS_XI0 * z, -BIAS_DRA0 * x + y - BIAS_ETA0 * z, BIAS_XI0 * x + BIAS_ETA0 * y + z, this.#time);
    const ofDate = RotateVector(Rotation_EQJ_EQD(this.#time), mean);
    return toRaDec([ofDate.x, ofDate.y, ofDate.z]);
  }

  /** Apparent place of date → J2000 (ICRS), by iterating `apparent` (converges to < 1 µas in 3 steps). */
  astrometric(raApparentRad: number, decApparentRad: number): RaDec {
    const target = unit(raApparentRad, decApparentRad);
    let guess = target;
    for (let i = 0; i < 4; i++) {
      const { raRad, decRad } = toRaDec(guess);
      const image = this.apparent(raRad, decRad);
      const seen = unit(image.raRad, image.decRad);
      guess = guess.map((g, k) => g + target[k]! - seen[k]!) as V3;
    }
    return toRaDec(guess);
  }

  /** Local hour angle of an apparent place, rad in (−π, π]. */
  hourAngleRad(apparent: RaDec): number {
    const ha = wrap(this.lstRad - apparent.raRad);
    return ha > Math.PI ? ha - 2 * Math.PI : ha;
  }
}
