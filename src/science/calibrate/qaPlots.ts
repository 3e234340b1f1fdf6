/**
 * QA plots of a calibration table, drawn with Vega-Lite and rendered to SVG by Vega's headless
 * view (pure JavaScript, no canvas): a bandpass's amplitude and phase against frequency, a gain
 * table's amplitude and phase against time, one small panel per antenna, a line per polarisation
 * (and per SPW). Flagged solutions are left out; antennas with none unflagged are named in the title.
 */
import { writeFile } from 'node:fs/promises';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { calReadTable, type CalTableContents } from '../../../native/index.js';
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

/**
 * Draws the table's QA plots beside it (`<table>.<key>.svg`) and returns their paths by key:
 * `bandpass-amplitude`, `bandpass-phase` for a bandpass, `gain-amplitude`, `gain-phase` for gains.
 */
export async function writeQaPlots(table: { readonly path: string; readonly kind: CaltableKind }): Promise<Record<string, string>> {
  const contents = await calReadTable(table.path);
  const points = solutionPoints(contents, table.kind);
  const solved = new Set(points.map((p) => p.antenna));
  const unsolved = [...new Set(Array.from(contents.antenna, (a) => contents.antennaNames[a] ?? `#${a}`))].filter((name) => !solved.has(name));
  const name = table.path.split('/').pop()!;
  const artifacts: Record<string, string> = {};
  for (const { key, quantity } of PLOTS[table.kind]) {
    const title = `${name}: ${key.replace('-', ' ')}` + (unsolved.length > 0 ? ` (no solution: ${unsolved.sort().join(', ')})` : '');
    const path = `${table.path}.${key}.svg`;
    await writeFile(path, await renderSvg(plotSpec(title, table.kind, quantity, points)));
    artifacts[key] = path;
  }
  return artifacts;
}
