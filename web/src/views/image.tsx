import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { ImageEntry } from '../api/types.js';
import { utc } from '../components/format.js';
import { GroupLink } from '../components/groups.js';
import { SkyViewer } from '../components/skyViewer.js';
import { useProducts } from '../components/useProducts.js';
import type { View } from './registry.js';

/** FITS products first the restored image, then the rest in the order the imaging stage lists them. */
const fitsProducts = (image: ImageEntry) =>
  Object.entries(image.products)
    .filter(([, path]) => path.endsWith('.fits'))
    .map(([name]) => name)
    .sort((a, b) => Number(b === 'image') - Number(a === 'image'));

function ImagePage({ params }: { params: Record<string, string | undefined> }) {
  const id = params['id'] ?? '';
  const { data: image, error } = useProducts(() => api.image(id), [id]);
  const [chosen, setChosen] = useState<string | null>(null);
  if (image === null) return <p class={error === null ? 'empty' : 'bad'}>{error ?? 'Loading image…'}</p>;
  const products = fitsProducts(image);
  const product = chosen !== null && products.includes(chosen) ? chosen : products[0];
  const { qa, beam } = image;
  return (
    <section>
      <h1>
        Image {image.imageId} {qa && <span class={`badge grade-${qa.grade}`}>{qa.grade}</span>}
      </h1>
      <dl class="facts">
        <dt>group</dt>
        <dd>
          <GroupLink id={image.groupId} />
        </dd>
        <dt>mode</dt>
        <dd>{image.mode}</dd>
        <dt>size, cell</dt>
        <dd>
          {image.sizePx} px, {image.cellArcsec.toFixed(2)}″
        </dd>
        <dt>beam</dt>
        <dd>
          {beam.majorArcsec.toFixed(1)}″ × {beam.minorArcsec.toFixed(1)}″, {beam.paDeg.toFixed(0)}°
        </dd>
        {qa && (
          <>
            <dt>QA</dt>
            <dd>
              rms {(qa.rmsJy * 1000).toFixed(3)} mJy, peak {qa.peakJy.toFixed(3)} Jy, dynamic range {qa.dynamicRange.toFixed(0)}, {qa.sourceCount} sources
              {qa.issues.length > 0 && <span class="bad"> · {qa.issues.join('; ')}</span>}
            </dd>
          </>
        )}
        <dt>written</dt>
        <dd>{utc(image.writtenAt)} UTC</dd>
        <dt>files</dt>
        <dd>
          {Object.keys(image.products).map((name) => (
            <a key={name} href={api.imageFile(image.imageId, name)} download class="file-link">
              {name}
            </a>
          ))}
        </dd>
      </dl>
      <h2>
        Viewer{' '}
        {products.length > 1 && (
          <select data-testid="product" value={product} onChange={(e) => setChosen(e.currentTarget.value)}>
            {products.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        )}
      </h2>
      {product === undefined ? <p class="empty">This image has no FITS product to show.</p> : <SkyViewer key={product} imageId={image.imageId} product={product} />}
    </section>
  );
}

export const views: readonly View[] = [{ path: '/images/:id', title: 'Image', component: ImagePage }];
