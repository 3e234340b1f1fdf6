import { useEffect, useRef, useState } from 'preact/hooks';
import { api, HttpError } from '../api/client.js';
import type { FieldSource, SkyImageView, SkyPosition } from '../api/types.js';
import { COLOUR_MAPS, render, SCALES, sexagesimal, type ColourMap, type Scale } from './stretch.js';

const CANVAS = { width: 960, height: 640 };
const MAX_ZOOM = 64;

/** Screen = offset + zoom × image, image coordinates with (0, 0) the top-left corner of the top-left pixel. */
interface ViewTransform {
  readonly zoom: number;
  readonly ox: number;
  readonly oy: number;
}

const fit = (width: number, height: number): ViewTransform => {
  const zoom = Math.min(CANVAS.width / width, CANVAS.height / height);
  return { zoom, ox: (CANVAS.width - zoom * width) / 2, oy: (CANVAS.height - zoom * height) / 2 };
};

/** The FITS pixel (1-based, row 1 at the bottom) under a canvas position, or null off the image. */
function pixelAt(t: ViewTransform, view: SkyImageView, sx: number, sy: number): [number, number] | null {
  const [ix, iy] = [(sx - t.ox) / t.zoom, (sy - t.oy) / t.zoom];
  if (ix < 0 || iy < 0 || ix >= view.width || iy >= view.height) return null;
  return [Math.floor(ix) + 1, view.height - Math.floor(iy)];
}

/** The canvas position of a FITS pixel position. */
const screenOf = (t: ViewTransform, view: SkyImageView, x: number, y: number): [number, number] => [t.ox + t.zoom * (x - 0.5), t.oy + t.zoom * (view.height - y + 0.5)];

/** Fetches the sky position of the pixel under the cursor, one request at a time, always ending on the latest pixel. */
function usePositionReadout(imageId: string, product: string) {
  const [readout, setReadout] = useState<SkyPosition | null>(null);
  const state = useRef<{ busy: boolean; next: [number, number] | null }>({ busy: false, next: null });
  const ask = (pixel: [number, number]) => {
    state.current.next = pixel;
    if (state.current.busy) return;
    const loop = async () => {
      state.current.busy = true;
      while (state.current.next) {
        const [x, y] = state.current.next;
        state.current.next = null;
        await api.skyPosition(imageId, product, x, y).then(setReadout, () => undefined);
      }
      state.current.busy = false;
    };
    void loop();
  };
  return [readout, ask] as const;
}

/** A FITS image product on a canvas: pan (drag), zoom (wheel), colour map, scale, RA/Dec under the cursor, catalog overlay. */
export function SkyViewer({ imageId, product }: { imageId: string; product: string }) {
  const [view, setView] = useState<SkyImageView | null>(null);
  const [plane, setPlane] = useState<Float32Array | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [scale, setScale] = useState<Scale>('zscale');
  const [colourMap, setColourMap] = useState<ColourMap>('viridis');
  const [overlay, setOverlay] = useState(true);
  const [sources, setSources] = useState<readonly FieldSource[] | string>('Loading catalog…');
  const [transform, setTransform] = useState<ViewTransform>({ zoom: 1, ox: 0, oy: 0 });
  const [limits, setLimits] = useState<[number, number]>([0, 1]);
  const [readout, ask] = usePositionReadout(imageId, product);
  const canvas = useRef<HTMLCanvasElement>(null);
  const bitmap = useRef<HTMLCanvasElement | null>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);

  useEffect(() => {
    setView(null);
    setPlane(null);
    setError(null);
    Promise.all([api.skyImage(imageId, product), api.skyPixels(imageId, product)]).then(([v, p]) => {
      setView(v);
      setPlane(p);
      setTransform(fit(v.width, v.height));
    }, (err: Error) => setError(err.message));
    api.skySources(imageId, product).then(
      (reply) => setSources(reply.sources),
      (err: Error) => setSources(err instanceof HttpError && err.code === 'NO_CATALOG_DB' ? 'No catalog database: contimg catalog import adds one.' : err.message),
    );
  }, [imageId, product]);

  useEffect(() => {
    if (!view || !plane) return;
    const { rgba, limits: shown } = render(plane, view.width, view.height, scale, colourMap);
    const offscreen = (bitmap.current ??= document.createElement('canvas'));
    [offscreen.width, offscreen.height] = [view.width, view.height];
    offscreen.getContext('2d')!.putImageData(new ImageData(rgba, view.width, view.height), 0, 0);
    setLimits(shown);
  }, [view, plane, scale, colourMap]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx || !view || !bitmap.current) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, CANVAS.width, CANVAS.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap.current, transform.ox, transform.oy, transform.zoom * view.width, transform.zoom * view.height);
    if (!overlay || typeof sources === 'string') return;
    ctx.strokeStyle = '#ff4fd8';
    ctx.fillStyle = '#ff4fd8';
    ctx.lineWidth = 1.5;
    ctx.font = '11px system-ui';
    for (const s of sources) {
      const [sx, sy] = screenOf(transform, view, s.x, s.y);
      ctx.beginPath();
      ctx.arc(sx, sy, Math.max(6, transform.zoom * 3), 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillText(s.name, sx + 9, sy - 9);
    }
  }, [view, transform, overlay, sources, limits]);

  const canvasPoint = (e: MouseEvent): [number, number] => {
    const rect = canvas.current!.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    if (!view) return;
    const [sx, sy] = canvasPoint(e);
    const least = fit(view.width, view.height).zoom / 4;
    const zoom = Math.min(MAX_ZOOM, Math.max(least, transform.zoom * Math.exp(-e.deltaY * 0.0015)));
    const f = zoom / transform.zoom;
    setTransform({ zoom, ox: sx - (sx - transform.ox) * f, oy: sy - (sy - transform.oy) * f });
  };
  const onMove = (e: MouseEvent) => {
    if (!view) return;
    const [sx, sy] = canvasPoint(e);
    if (drag.current) {
      setTransform({ ...transform, ox: transform.ox + sx - drag.current.x, oy: transform.oy + sy - drag.current.y });
      drag.current = { x: sx, y: sy };
    }
    const pixel = pixelAt(transform, view, sx, sy);
    if (pixel && (pixel[0] !== readout?.x || pixel[1] !== readout.y)) ask(pixel);
  };

  if (error !== null) return <p class="bad" data-testid="viewer-error">{error}</p>;
  return (
    <div class="viewer">
      <div class="filters">
        <label>
          scale{' '}
          <select data-testid="scale" value={scale} onChange={(e) => setScale(e.currentTarget.value as Scale)}>
            {SCALES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          colour map{' '}
          <select data-testid="colour-map" value={colourMap} onChange={(e) => setColourMap(e.currentTarget.value as ColourMap)}>
            {Object.keys(COLOUR_MAPS).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" data-testid="overlay-toggle" checked={overlay} onChange={(e) => setOverlay(e.currentTarget.checked)} /> catalog overlay
        </label>
        <button data-testid="fit" onClick={() => view && setTransform(fit(view.width, view.height))}>
          fit
        </button>
        <span class="note" data-testid="overlay">
          {typeof sources === 'string' ? sources : `${sources.length} catalog source${sources.length === 1 ? '' : 's'} in the field`}
        </span>
      </div>
      {view === null ? (
        <p class="empty">Loading the FITS image…</p>
      ) : (
        <>
          <canvas
            ref={canvas}
            data-testid="sky-canvas"
            data-zoom={transform.zoom}
            data-ox={transform.ox}
            data-oy={transform.oy}
            data-height={view.height}
            width={CANVAS.width}
            height={CANVAS.height}
            onWheel={onWheel}
            onMouseDown={(e) => (drag.current = { x: canvasPoint(e)[0], y: canvasPoint(e)[1] })}
            onMouseUp={() => (drag.current = null)}
            onMouseLeave={() => (drag.current = null)}
            onMouseMove={onMove}
          />
          <Readout readout={readout} unit={view.unit} />
          <p class="note">
            {view.width} × {view.height} px{view.planes > 1 && `, first of ${view.planes} planes`}
            {view.frequencyHz !== null && `, ${(view.frequencyHz / 1e6).toFixed(1)} MHz`}; display {limits[0].toPrecision(3)} to {limits[1].toPrecision(3)} {view.unit ?? ''}. Drag to pan, wheel to zoom.
          </p>
        </>
      )}
    </div>
  );
}

function Readout({ readout, unit }: { readout: SkyPosition | null; unit: string | null }) {
  if (readout === null) return <p class="readout note">Move over the image for the sky position.</p>;
  const { x, y, raDeg, decDeg, value } = readout;
  return (
    <p class="readout" data-testid="readout" data-x={x} data-y={y} data-ra-deg={raDeg ?? ''} data-dec-deg={decDeg ?? ''}>
      pixel ({x}, {y}) · {raDeg === null || decDeg === null ? 'no sky position' : `RA ${sexagesimal(raDeg, true)} Dec ${sexagesimal(decDeg, false)} (${raDeg.toFixed(5)}°, ${decDeg.toFixed(5)}°)`} ·{' '}
      {value === null ? 'blank' : `${value.toPrecision(4)} ${unit ?? ''}`}
    </p>
  );
}
