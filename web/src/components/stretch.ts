import { interpolateCividis, interpolateGreys, interpolateInferno, interpolateMagma, interpolateViridis } from 'd3-scale-chromatic';

/** Colour maps: d3's perceptually uniform ramps (0 → dark, 1 → bright). */
export const COLOUR_MAPS = {
  grey: (t: number) => interpolateGreys(1 - t),
  viridis: interpolateViridis,
  inferno: interpolateInferno,
  magma: interpolateMagma,
  cividis: interpolateCividis,
} as const;
export type ColourMap = keyof typeof COLOUR_MAPS;

/** How pixel values map to [0, 1]: linear or asinh between the extremes, or linear between the zscale limits. */
export const SCALES = ['linear', 'asinh', 'zscale'] as const;
export type Scale = (typeof SCALES)[number];

/** A 256-entry RGB table of a colour map (d3 gives "#rrggbb" or "rgb(r, g, b)"). */
export function colourTable(map: ColourMap): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const css = COLOUR_MAPS[map](i / 255);
    const rgb = css.startsWith('#') ? [1, 3, 5].map((o) => parseInt(css.slice(o, o + 2), 16)) : (css.match(/\d+/g) ?? []).map(Number);
    table.set(rgb.slice(0, 3), i * 3);
  }
  return table;
}

/** Finite minimum and maximum. */
export function extremes(values: Float32Array): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/**
 * IRAF's zscale limits, as astropy's ZScaleInterval computes them (1000 samples, contrast 0.25,
 * 2.5σ rejection grown by 1 % of the samples, at most 5 iterations): a line fitted to the sorted
 * samples, its slope over the contrast spread about the median.
 */
export function zscale(values: Float32Array, nSamples = 1000, contrast = 0.25): [number, number] {
  // Every stride-th finite value, without copying the (tens of MB) finite values first.
  let count = 0;
  for (const v of values) if (Number.isFinite(v)) count++;
  if (count === 0) return [0, 1];
  const stride = Math.max(1, Math.trunc(count / nSamples));
  const samples = new Float64Array(Math.min(nSamples, Math.ceil(count / stride)));
  for (let i = 0, k = 0, taken = 0; i < values.length && taken < samples.length; i++) {
    if (!Number.isFinite(values[i]!)) continue;
    if (k++ % stride === 0) samples[taken++] = values[i]!;
  }
  samples.sort();
  const npix = samples.length;
  let [vmin, vmax] = [samples[0]!, samples[npix - 1]!];
  const minpix = Math.max(5, Math.trunc(npix * 0.5));
  const grow = Math.max(1, Math.trunc(npix * 0.01));
  let bad = new Uint8Array(npix);
  let [good, lastGood] = [npix, npix + 1];
  let slope = 0;
  for (let iteration = 0; iteration < 5 && good < lastGood && good >= minpix; iteration++) {
    const [a, b] = fitLine(samples, bad);
    slope = a;
    const flat = samples.map((s, x) => s - (a * x + b));
    const kept = flat.filter((_, x) => !bad[x]);
    const mean = kept.reduce((s, v) => s + v, 0) / kept.length;
    const threshold = 2.5 * Math.sqrt(kept.reduce((s, v) => s + (v - mean) ** 2, 0) / kept.length);
    flat.forEach((f, x) => {
      if (f < -threshold || f > threshold) bad[x] = 1;
    });
    bad = dilate(bad, grow);
    lastGood = good;
    good = bad.reduce((n, b) => n + (b ? 0 : 1), 0);
  }
  if (good >= minpix) {
    const centre = Math.trunc((npix - 1) / 2);
    const median = npix % 2 ? samples[centre]! : (samples[centre]! + samples[centre + 1]!) / 2;
    vmin = Math.max(vmin, median - (centre - 1) * (slope / contrast));
    vmax = Math.min(vmax, median + (npix - centre) * (slope / contrast));
  }
  return [vmin, vmax];
}

/** Least-squares line through (x, y[x]) over the unflagged x: [slope, intercept]. */
function fitLine(y: Float64Array, bad: Uint8Array): [number, number] {
  let [n, sx, sy, sxx, sxy] = [0, 0, 0, 0, 0];
  y.forEach((v, x) => {
    if (bad[x]) return;
    n++;
    sx += x;
    sy += v;
    sxx += x * x;
    sxy += x * v;
  });
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return [slope, (sy - slope * sx) / n];
}

/** numpy's convolve(flags, ones(width), 'same') on booleans: each flag spreads over the window. */
function dilate(flags: Uint8Array, width: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(flags.length);
  const ahead = Math.trunc((width - 1) / 2);
  flags.forEach((_, i) => {
    for (let j = Math.max(0, i + ahead - width + 1); j <= Math.min(flags.length - 1, i + ahead); j++) if (flags[j]) out[i] = 1;
  });
  return out;
}

/** The display limits and the [0, 1] mapping of a scale. */
export function stretch(values: Float32Array, scale: Scale): { limits: [number, number]; map: (v: number) => number } {
  const limits = scale === 'zscale' ? zscale(values) : extremes(values);
  const [lo, hi] = limits;
  const span = hi > lo ? hi - lo : 1;
  const linear = (v: number) => Math.min(1, Math.max(0, (v - lo) / span));
  // asinh with the softening at a tenth of the range, as astropy's AsinhStretch(a=0.1).
  const asinh = (v: number) => Math.asinh(linear(v) / 0.1) / Math.asinh(1 / 0.1);
  return { limits, map: scale === 'asinh' ? asinh : linear };
}

/**
 * RGBA pixels for a canvas (top row first) from a FITS plane (bottom row first): blanks transparent.
 */
export function render(plane: Float32Array, width: number, height: number, scale: Scale, map: ColourMap): { rgba: Uint8ClampedArray<ArrayBuffer>; limits: [number, number] } {
  const { limits, map: toUnit } = stretch(plane, scale);
  const table = colourTable(map);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let row = 0; row < height; row++) {
    const from = (height - 1 - row) * width;
    for (let i = 0; i < width; i++) {
      const v = plane[from + i]!;
      if (!Number.isFinite(v)) continue;
      const [c, o] = [Math.round(toUnit(v) * 255) * 3, (row * width + i) * 4];
      rgba[o] = table[c]!;
      rgba[o + 1] = table[c + 1]!;
      rgba[o + 2] = table[c + 2]!;
      rgba[o + 3] = 255;
    }
  }
  return { rgba, limits };
}

/** Degrees as sexagesimal: RA in hours (hh:mm:ss.ss), Dec in degrees (±dd:mm:ss.s). */
export function sexagesimal(deg: number, hours: boolean): string {
  const sign = !hours && deg < 0 ? '-' : hours ? '' : '+';
  const decimals = hours ? 2 : 1;
  const total = Math.abs(hours ? (((deg % 360) + 360) % 360) / 15 : deg) * 3600;
  // 23:59:59.999 rounds to the next day: RA wraps to 00:00:00.00
  const rounded = (Math.round(total * 10 ** decimals) / 10 ** decimals) % (hours ? 86_400 : Infinity);
  const [h, m] = [Math.floor(rounded / 3600), Math.floor((rounded % 3600) / 60)];
  const s = (rounded - h * 3600 - m * 60).toFixed(decimals).padStart(3 + decimals, '0');
  return `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s}`;
}
