import { useState } from 'preact/hooks';
import { Pager, SortSelect } from '../components/listControls.js';
import { Link } from 'wouter-preact';
import { api } from '../api/client.js';
import type { SourceEntry } from '../api/types.js';
import { useProducts } from '../components/useProducts.js';
import type { View } from './registry.js';

const PAGE = 50;
const SORTS = { eta: 'η', v: 'V', flux: 'flux', epochs: 'epochs', id: 'name' } as const;
type Sort = keyof typeof SORTS;

/** A cone the operator typed: all three numbers, or none. */
interface Cone {
  ra: string;
  dec: string;
  radius: string;
}
const coneParams = (cone: Cone) => (cone.ra && cone.dec && cone.radius ? { ra: Number(cone.ra), dec: Number(cone.dec), radius: Number(cone.radius) } : {});
export const sourceHref = (id: string) => `/sources/${encodeURIComponent(id)}`;
const fixed = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));

function SourcesPage() {
  const [sort, setSort] = useState<Sort>('eta');
  const [variable, setVariable] = useState(false);
  const [ese, setEse] = useState(false);
  const [minEpochs, setMinEpochs] = useState(1);
  const [cone, setCone] = useState<Cone>({ ra: '', dec: '', radius: '' });
  const [offset, setOffset] = useState(0);
  const { data, error } = useProducts(
    () => api.sources({ sort, order: sort === 'id' ? 'asc' : 'desc', variable, ese, minEpochs, limit: PAGE, offset, ...coneParams(cone) }),
    [sort, variable, ese, minEpochs, cone, offset],
  );
  const coneInput = (key: keyof Cone, label: string) => (
    <label>
      {label}{' '}
      <input type="number" step="any" size={7} value={cone[key]} onChange={(e) => (setCone({ ...cone, [key]: e.currentTarget.value }), setOffset(0))} />
    </label>
  );
  return (
    <section>
      <h1>Sources</h1>
      <div class="filters">
        <label>
          sort by{' '}
          <SortSelect sorts={SORTS} value={sort} onChange={(next) => (setSort(next), setOffset(0))} />
        </label>
        <label>
          <input type="checkbox" checked={variable} onChange={(e) => (setVariable(e.currentTarget.checked), setOffset(0))} /> variable
        </label>
        <label>
          <input type="checkbox" checked={ese} onChange={(e) => (setEse(e.currentTarget.checked), setOffset(0))} /> ESE candidates
        </label>
        <label>
          epochs ≥ <input type="number" min={1} size={4} value={minEpochs} onChange={(e) => (setMinEpochs(Math.max(1, Number(e.currentTarget.value) || 1)), setOffset(0))} />
        </label>
        {coneInput('ra', 'RA°')}
        {coneInput('dec', 'Dec°')}
        {coneInput('radius', 'radius°')}
        {data && <Pager offset={offset} total={data.total} pageSize={PAGE} onOffset={setOffset} labels={['previous', 'next']} />}
        {error !== null && <span class="bad">{error}</span>}
      </div>
      {data === null ? (
        <p class="empty">Loading sources…</p>
      ) : data.sources.length === 0 ? (
        <p class="empty" data-testid="no-sources">
          No sources match: forced photometry has measured none{variable || ese || cone.radius ? ' with these filters' : ' yet'}.
        </p>
      ) : (
        <table data-testid="sources">
          <thead>
            <tr>
              <th>source</th>
              <th class="num">RA (°)</th>
              <th class="num">Dec (°)</th>
              <th class="num">epochs</th>
              <th class="num">flux (mJy)</th>
              <th class="num">η</th>
              <th class="num">V</th>
              <th>flags</th>
            </tr>
          </thead>
          <tbody>
            {data.sources.map((s) => (
              <SourceRow key={s.sourceId} source={s} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function VariabilityFlags({ source }: { source: SourceEntry }) {
  return (
    <>
      {source.variable && <span class="badge grade-warn">variable</span>} {source.eseCandidate && <span class="badge grade-bad">ESE candidate</span>}
    </>
  );
}

function SourceRow({ source: s }: { source: SourceEntry }) {
  return (
    <tr data-source={s.sourceId}>
      <td>
        <Link href={sourceHref(s.sourceId)}>{s.sourceId}</Link>
      </td>
      <td class="num">{s.raDeg.toFixed(4)}</td>
      <td class="num">{s.decDeg.toFixed(4)}</td>
      <td class="num">{s.epochs}</td>
      <td class="num">{s.weightedMeanFluxJy === null ? '–' : (s.weightedMeanFluxJy * 1000).toFixed(2)}</td>
      <td class="num">{fixed(s.eta, 2)}</td>
      <td class="num">{fixed(s.v, 3)}</td>
      <td>
        <VariabilityFlags source={s} />
      </td>
    </tr>
  );
}

export const views: readonly View[] = [{ path: '/sources', title: 'Sources', navOrder: 15, component: SourcesPage }];
