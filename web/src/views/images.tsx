import { useState } from 'preact/hooks';
import { Pager, SortSelect } from '../components/listControls.js';
import { Link } from 'wouter-preact';
import { api } from '../api/client.js';
import type { ImageEntry } from '../api/types.js';
import { utc } from '../components/format.js';
import { GroupLink } from '../components/groups.js';
import { useProducts } from '../components/useProducts.js';
import type { View } from './registry.js';

const PAGE = 50;
const GRADES = ['', 'good', 'warn', 'bad'] as const;
const SORTS = { time: 'newest', rms: 'noise', dynamicRange: 'dynamic range', sources: 'sources' } as const;

function ImagesPage() {
  const [grade, setGrade] = useState<(typeof GRADES)[number]>('');
  const [sort, setSort] = useState<keyof typeof SORTS>('time');
  const [offset, setOffset] = useState(0);
  const { data, error } = useProducts(() => api.images({ limit: PAGE, offset, sort, ...(grade && { grade }) }), [grade, sort, offset]);
  return (
    <section>
      <h1>Images</h1>
      <div class="filters">
        <label>
          QA grade{' '}
          <select value={grade} onChange={(e) => (setGrade(e.currentTarget.value as typeof grade), setOffset(0))}>
            {GRADES.map((g) => (
              <option key={g} value={g}>
                {g || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          sort by{' '}
          <SortSelect sorts={SORTS} value={sort} onChange={(next) => (setSort(next), setOffset(0))} />
        </label>
        {data && <Pager offset={offset} total={data.total} pageSize={PAGE} onOffset={setOffset} labels={['newer', 'older']} />}
        {error !== null && <span class="bad">{error}</span>}
      </div>
      {data === null ? (
        <p class="empty">Loading images…</p>
      ) : data.images.length === 0 ? (
        <p class="empty" data-testid="no-images">
          {grade ? `No images graded ${grade}.` : 'No images yet: the imaging stage has not written any.'}
        </p>
      ) : (
        <table data-testid="images">
          <thead>
            <tr>
              <th />
              <th>image</th>
              <th>group</th>
              <th>mode</th>
              <th>QA</th>
              <th class="num">rms (mJy)</th>
              <th class="num">dynamic range</th>
              <th class="num">sources</th>
              <th>beam</th>
              <th>written (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {data.images.map((image) => (
              <ImageRow key={image.imageId} image={image} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ImageRow({ image }: { image: ImageEntry }) {
  const { qa, beam } = image;
  return (
    <tr data-image={image.imageId}>
      <td>{'png' in image.products ? <img class="thumb" src={api.imageFile(image.imageId, 'png')} alt="" loading="lazy" /> : null}</td>
      <td>
        <Link href={`/images/${image.imageId}`}>{image.imageId}</Link>
      </td>
      <td>
        <GroupLink id={image.groupId} />
      </td>
      <td>{image.mode}</td>
      <td>{qa === null ? <span class="note">not assessed</span> : <span class={`badge grade-${qa.grade}`}>{qa.grade}</span>}</td>
      <td class="num">{qa === null ? '–' : (qa.rmsJy * 1000).toFixed(3)}</td>
      <td class="num">{qa === null ? '–' : qa.dynamicRange.toFixed(0)}</td>
      <td class="num">{qa === null ? '–' : qa.sourceCount}</td>
      <td>
        {beam.majorArcsec.toFixed(1)}″ × {beam.minorArcsec.toFixed(1)}″, {beam.paDeg.toFixed(0)}°
      </td>
      <td>{utc(image.writtenAt)}</td>
    </tr>
  );
}

export const views: readonly View[] = [{ path: '/images', title: 'Images', navOrder: 10, component: ImagesPage }];
