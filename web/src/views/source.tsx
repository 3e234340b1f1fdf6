import { Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api/client.js';
import type { LightCurve } from '../api/types.js';
import { useProducts } from '../components/useProducts.js';
import type { View } from './registry.js';
import { VariabilityFlags } from './sources.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip);

const MJY = 1000;
const AXIS = { ticks: { color: '#8b949e' }, grid: { color: '#30363d' } };

/**
 * The normalised light curve with its ±1σ band (the two edges of a filled area), and the raw flux.
 * The canvas carries the number of points Chart.js laid out, for the browser test.
 */
function LightCurveChart({ curve }: { curve: LightCurve }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const at = (value: (p: LightCurve['points'][number]) => number) => curve.points.map((p) => ({ x: p.mjd, y: value(p) * MJY }));
    const band = { pointRadius: 0, borderWidth: 0, backgroundColor: 'rgba(47, 129, 247, 0.2)' };
    const chart = new Chart(canvas.current!, {
      type: 'line',
      data: {
        datasets: [
          { label: 'normalised flux', data: at((p) => p.normalizedFluxJy), borderColor: '#2f81f7', backgroundColor: '#2f81f7', pointRadius: 3 },
          { label: '+1σ', data: at((p) => p.normalizedFluxJy + p.normalizedErrorJy), ...band, fill: '+1' },
          { label: '−1σ', data: at((p) => p.normalizedFluxJy - p.normalizedErrorJy), ...band, fill: false },
          { label: 'raw flux', data: at((p) => p.fluxJy), borderColor: '#6e7681', backgroundColor: '#6e7681', borderDash: [4, 4], pointRadius: 2 },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'MJD', color: '#8b949e' }, ...AXIS }, y: { title: { display: true, text: 'flux density (mJy)', color: '#8b949e' }, ...AXIS } },
        plugins: { legend: { labels: { color: '#c9d1d9', filter: (item) => !item.text.endsWith('σ') } } },
      },
    });
    canvas.current!.dataset['points'] = String(chart.getDatasetMeta(0).data.length);
    return () => chart.destroy();
  }, [curve]);
  return (
    <div class="chart" style={{ height: '320px' }}>
      <canvas ref={canvas} data-testid="light-curve" />
    </div>
  );
}

/** The id from the path: the router leaves reserved characters (':', '+', '/') escaped. */
function sourceIdOf(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const fixed = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));
const mJy = (value: number | null) => (value === null ? '–' : `${(value * MJY).toFixed(2)} mJy`);

function SourcePage({ params }: { params: Record<string, string | undefined> }) {
  const id = sourceIdOf(params['id'] ?? '');
  const { data: source, error } = useProducts(() => api.source(id), [id]);
  const { data: curve } = useProducts(() => api.lightCurve(id), [id]);
  if (source === null) return <p class={error === null ? 'empty' : 'bad'}>{error ?? 'Loading source…'}</p>;
  return (
    <section>
      <h1 data-testid="source-id">
        {source.sourceId} <VariabilityFlags source={source} />
      </h1>
      <dl class="facts" data-testid="variability">
        <dt>position</dt>
        <dd>
          RA {source.raDeg.toFixed(5)}°, Dec {source.decDeg.toFixed(5)}°
        </dd>
        <dt>epochs</dt>
        <dd>
          {source.epochs} (MJD {source.firstMjd.toFixed(3)} – {source.lastMjd.toFixed(3)})
        </dd>
        <dt>flux</dt>
        <dd>
          weighted mean {mJy(source.weightedMeanFluxJy)}, mean {mJy(source.meanFluxJy)}, σ {mJy(source.stdFluxJy)}
        </dd>
        <dt>variability</dt>
        <dd>
          η {fixed(source.eta, 2)}, V {fixed(source.v, 3)}, Vs {fixed(source.vs, 2)}, m {fixed(source.m, 3)}, χ² {fixed(source.chi2, 1)}, deviation {fixed(source.sigmaDeviation, 1)}σ
          {source.eta === null && <span class="note"> (statistics need 3 epochs)</span>}
        </dd>
      </dl>
      <h2>Light curve</h2>
      {curve === null ? <p class="empty">Loading light curve…</p> : <LightCurveChart curve={curve} />}
      {curve && (
        <table data-testid="measurements">
          <thead>
            <tr>
              <th class="num">MJD</th>
              <th>image</th>
              <th class="num">flux (mJy)</th>
              <th class="num">normalised (mJy)</th>
              <th class="num">correction</th>
            </tr>
          </thead>
          <tbody>
            {curve.points.map((p) => (
              <tr key={p.groupId}>
                <td class="num">{p.mjd.toFixed(4)}</td>
                <td>
                  <Link href={`/images/${p.imageId}`}>{p.imageId}</Link>
                </td>
                <td class="num">
                  {(p.fluxJy * MJY).toFixed(2)} ± {(p.errorJy * MJY).toFixed(2)}
                </td>
                <td class="num">
                  {(p.normalizedFluxJy * MJY).toFixed(2)} ± {(p.normalizedErrorJy * MJY).toFixed(2)}
                </td>
                <td class="num">{fixed(p.correction, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export const views: readonly View[] = [{ path: '/sources/:id', title: 'Source', component: SourcePage }];
