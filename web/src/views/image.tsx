import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { ImageEntry } from '../api/types.js';
import { utc } from '../components/format.js';
import { GroupLink } from '../components/groups.js';
import { SkyViewer } from '../components/skyViewer.js';
import { useProducts } from '../components/useProducts.js';
import type { View } from './registry.js';

/** The sources found in the image and how they cross-matched, or why they are not there. */
function ImageSourceList({ imageId }: { imageId: string }) {
  const { data, error } = useProducts(() => api.imageSources(imageId), [imageId]);
  if (data === null) return <p class={error === null ? 'empty' : 'note'}>{error ?? 'Loading sources…'}</p>;
  return (
    <>
      <ul data-testid="crossmatch">
        {data.crossmatch.map((c) =>
          c.skippedReason === null ? (
            <li key={c.catalog}>
              {c.catalog}: {c.matched} of {c.detected} matched, completeness {c.completeness === null ? '–' : `${(c.completeness * 100).toFixed(0)} %`}, flux ratio{' '}
              {c.fluxRatioMedian?.toFixed(3) ?? '–'}, rms offset {c.rmsOffsetArcsec?.toFixed(2) ?? '–'}″{c.issues.length > 0 && <span class="bad"> · {c.issues.join('; ')}</span>}
            </li>
          ) : (
            <li key={c.catalog}>not cross-matched: {c.skippedReason}</li>
          ),
        )}
      </ul>
      <table data-testid="image-sources">
        <thead>
          <tr>
            <th class="num">#</th>
            <th class="num">RA (°)</th>
            <th class="num">Dec (°)</th>
            <th class="num">flux (mJy)</th>
            <th class="num">S/N</th>
            <th>counterparts</th>
          </tr>
        </thead>
        <tbody>
          {data.sources.map((s) => (
            <tr key={s.source}>
              <td class="num">{s.source}</td>
              <td class="num">{s.raDeg.toFixed(5)}</td>
              <td class="num">{s.decDeg.toFixed(5)}</td>
              <td class="num">
                {(s.intFluxJy * 1000).toFixed(2)} ± {(s.intFluxErrJy * 1000).toFixed(2)}
              </td>
              <td class="num">{s.snr.toFixed(1)}</td>
              <td>{s.matches.map((m) => `${m.catalog}:${m.catalogName} (${m.separationArcsec.toFixed(1)}″)`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

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
      <h2>Sources</h2>
      <ImageSourceList imageId={image.imageId} />
    </section>
  );
}

export const views: readonly View[] = [{ path: '/images/:id', title: 'Image', component: ImagePage }];
