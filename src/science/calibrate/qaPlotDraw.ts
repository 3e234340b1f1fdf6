/**
 * QA plots of a calibration table, drawn with Vega-Lite and rendered to SVG by Vega's headless
 * view (pure JavaScript, no canvas): a bandpass's amplitude and phase against frequency, a gain
 * table's amplitude and phase against time, one small panel per antenna, a line per polarisation
 * (and per SPW). Flagged solutions are left out; antennas with none unflagged are named in the title.
 * Pure computation on a table's contents (no native core, no files), so it runs in a worker thread
 * (qaPlotWorker.ts) as well as here.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { CalTableContents } from '../../../native/index.js';
import type { CaltableKind } from './calibrate.js';

export type QaPlotKey = 'bandpass-amplitude' | 'bandpass-phase' | 'gain-amplitude' | 'gain-phase';

// A delay table's solution is one number per antenna and SPW: the bandpass plots show its effect.
const PLOTS: Record<CaltableKind, readonly { key: QaPlotKey; quantity: 'amplitude' | 'phase' }[]> = {
  K: [],
  BP: [
    { key: 'bandpass-amplitude', quantity: 'amplitude' },
    { key: 'bandpass-phase', quantity: 'phase' },
  ],
  G: [
    { key: 'gain-amplitude', quantity: 'amplitude' },
    { key: 'gain-phase', quantity: 'phase' },
  ],
};

const POLARISATIONS = ['X', 'Y'];
const PANEL_COLUMNS = 12;
const UNIX_EPOCH_MJD_S = 40587 * 86400;

/** One unflagged solution: antenna, polarisation, SPW, x (MHz or epoch ms), amplitude, phase (deg). */
interface Point {
  readonly antenna: string;
  readonly pol: string;
  readonly spw: number;
  readonly x: number;
  readonly amplitude: number;
  readonly phase: number;
}

function solutionPoints(contents: CalTableContents, kind: CaltableKind): Point[] {
  const { nChan, nPol, cparam, flag } = contents;
  const points: Point[] = [];
  for (let r = 0; r < contents.antenna.length; r++) {
    const spw = contents.spw[r]!;
    const antenna = contents.antennaNames[contents.antenna[r]!] ?? `#${contents.antenna[r]}`;
    for (let k = 0; k < nChan; k++) {
      const x = kind === 'BP' ? contents.spwFreqHz[spw]![k]! / 1e6 : (contents.timeMjdS[r]! - UNIX_EPOCH_MJD_S) * 1000;
      for (let q = 0; q < nPol; q++) {
        const i = (r * nChan + k) * nPol + q;
        if (flag[i]) continue;
        const re = cparam[2 * i]!;
        const im = cparam[2 * i + 1]!;
        points.push({ antenna, pol: POLARISATIONS[q] ?? String(q), spw, x, amplitude: Math.hypot(re, im), phase: (Math.atan2(im, re) * 180) / Math.PI });
      }
    }
  }
  return points;
}

function plotSpec(title: string, kind: CaltableKind, quantity: 'amplitude' | 'phase', points: readonly Point[]): TopLevelSpec {
  const x =
    kind === 'BP'
      ? { field: 'x', type: 'quantitative' as const, title: 'frequency (MHz)', scale: { zero: false } }
      : { field: 'x', type: 'temporal' as const, title: 'time (UTC)', axis: { format: '%H:%M' } };
  const y =
    quantity === 'amplitude'
      ? { field: 'amplitude', type: 'quantitative' as const, title: 'amplitude', scale: { zero: false } }
      : { field: 'phase', type: 'quantitative' as const, title: 'phase (°)', scale: { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    // No ARIA labels: one per solution would multiply the file's size.
    config: { aria: false },
    data: { values: points as unknown as Record<string, unknown>[] },
    facet: { field: 'antenna', type: 'nominal', title: null, sort: 'ascending' },
    columns: PANEL_COLUMNS,
    spec: {
      width: 120,
      height: 70,
      // Gains have few solutions per line (one over a whole observation): they need their points marked.
      mark: { type: 'line', strokeWidth: 0.8, ...(kind === 'G' && { point: { shape: 'square', size: 4 } }) },
      encoding: {
        x,
        y,
        color: { field: 'pol', type: 'nominal', title: 'pol' },
        detail: { field: 'spw', type: 'nominal' },
        order: { field: 'x', type: 'quantitative' },
      },
    },
  };
}

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One table to draw: its contents, its kind and the name its titles show. */
export interface QaPlotJob {
  readonly name: string;
  readonly kind: CaltableKind;
  readonly contents: CalTableContents;
}

export interface QaPlotSvg {
  readonly key: QaPlotKey;
  readonly svg: string;
}

/** The table's QA plots as SVG text: bandpass amplitude and phase, or gain amplitude and phase; none for delays. */
export async function drawQaPlots({ name, kind, contents }: QaPlotJob): Promise<QaPlotSvg[]> {
  const points = solutionPoints(contents, kind);
  const solved = new Set(points.map((p) => p.antenna));
  const unsolved = [...new Set(Array.from(contents.antenna, (a) => contents.antennaNames[a] ?? `#${a}`))].filter((name) => !solved.has(name));
  const svgs: QaPlotSvg[] = [];
  for (const { key, quantity } of PLOTS[kind]) {
    const title = `${name}: ${key.replace('-', ' ')}` + (unsolved.length > 0 ? ` (no solution: ${unsolved.sort().join(', ')})` : '');
    svgs.push({ key, svg: await renderSvg(plotSpec(title, kind, quantity, points)) });
  }
  return svgs;
}

/** Whether a table of this kind has QA plots (a delay table has none). */
export const hasQaPlots = (kind: CaltableKind): boolean => PLOTS[kind].length > 0;
