import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/config/paths.js';
import { apiFixture, FIXTURE } from '../support/apiState.js';
import { astropyWcs, SKY, SKY_SOURCES, writeSkyCatalog, writeSkyImage } from './skyFixture.js';

let fixture: Awaited<ReturnType<typeof apiFixture>>;
let fitsPath: string;
let pixels: Float32Array;
const imageId = `${FIXTURE.completed[0]}-full`;
const url = (product: string, rest = '') => `/api/v1/images/${imageId}/sky/${product}${rest}`;
const get = (path: string) => fixture.app.inject({ method: 'GET', url: path });

beforeAll(async () => {
  fixture = await apiFixture();
  const paths = dataPaths(fixture.state.paths.root);
  const dir = join(paths.images, imageId);
  mkdirSync(dir, { recursive: true });
  fitsPath = join(dir, 'image.fits');
  pixels = await writeSkyImage(fitsPath);
  writeFileSync(join(dir, 'notfits.fits'), 'SIMPLE  = T / not really');
  await writeSkyImage(join(dir, 'badwcs.fits'), [{ name: 'CTYPE1', value: 'RA---ZZZ' }, { name: 'CTYPE2', value: 'DEC--ZZZ' }]);
  writeFileSync(join(dir, 'thumbnail.png'), 'PNG');
  symlinkSync('/etc/hostname', join(dir, 'escape.fits'));
  const products = { image: fitsPath, badwcs: join(dir, 'badwcs.fits'), garbage: join(dir, 'notfits.fits'), thumbnail: join(dir, 'thumbnail.png'), escape: join(dir, 'escape.fits') };
  const groupId = FIXTURE.completed[0]!;
  await fixture.state.log.append(
    groupId,
    [{ type: 'ImageWritten', time: '2026-11-24T01:00:00Z', payload: { groupId, imageId, mode: 'quick', products, sizePx: SKY.width, cellArcsec: 20, beam: { majorArcsec: 60, minorArcsec: 40, paDeg: 0 } } }],
    'any',
  );
  await fixture.state.readModels.catchUp(fixture.state.log);
}, 60_000);
afterAll(() => fixture.close());

describe('the image viewer routes', () => {
  it('describe the image and its field as astropy places it', async () => {
    const view = (await get(url('image'))).json<{ width: number; height: number; planes: number; unit: string; frequencyHz: number; centre: { raDeg: number; decDeg: number }; radiusDeg: number }>();
    expect(view).toMatchObject({ width: SKY.width, height: SKY.height, planes: 1, unit: 'JY/BEAM', frequencyHz: SKY.frequencyHz });
    const [centre, corner] = (await astropyWcs(fitsPath, { pixels: [[(SKY.width + 1) / 2, (SKY.height + 1) / 2], [0.5, 0.5]] })).sky;
    expect(view.centre.raDeg).toBeCloseTo(centre![0], 9);
    expect(view.centre.decDeg).toBeCloseTo(centre![1], 9);
    // the half-diagonal of a 160 × 120 image of 20″ cells, within the projection's distortion
    expect(view.radiusDeg).toBeCloseTo((Math.hypot(SKY.width, SKY.height) / 2) * SKY.cellDeg, 3);
    expect(view.radiusDeg).toBeGreaterThan(Math.abs(corner![1] - centre![1]));
  });

  it('serve the first plane as float32, FITS row 1 first, blanks as NaN', async () => {
    const reply = await get(url('image', '/pixels'));
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect([reply.headers['x-image-width'], reply.headers['x-image-height']]).toEqual([String(SKY.width), String(SKY.height)]);
    const body = reply.rawPayload;
    const served = new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4);
    expect(served.length).toBe(SKY.width * SKY.height);
    expect(Number.isNaN(served[0])).toBe(true);
    expect(Array.from(served.subarray(1))).toEqual(Array.from(pixels.subarray(1)));
  });

  it('place pixels on the sky as astropy does, with the pixel value', async () => {
    const probes = [
      [1, 1],
      [SKY_SOURCES[1]!.x, SKY_SOURCES[1]!.y],
      [33.25, 101.75],
      [SKY.width, SKY.height],
      [-40, 500],
    ];
    const expected = (await astropyWcs(fitsPath, { pixels: probes })).sky;
    for (const [i, [x, y]] of probes.entries()) {
      const position = (await get(url('image', `/position?x=${x}&y=${y}`))).json<{ raDeg: number; decDeg: number; value: number | null }>();
      expect(position.raDeg).toBeCloseTo(expected[i]![0], 9);
      expect(position.decDeg).toBeCloseTo(expected[i]![1], 9);
    }
    const onSource = (await get(url('image', `/position?x=${SKY_SOURCES[1]!.x}&y=${SKY_SOURCES[1]!.y}`))).json<{ value: number }>();
    expect(onSource.value).toBeCloseTo(SKY_SOURCES[1]!.peak, 2);
    expect((await get(url('image', '/position?x=1&y=1'))).json()).toMatchObject({ value: null });
    expect((await get(url('image', '/position?x=-40&y=500'))).json()).toMatchObject({ value: null });
    expect((await get(url('image', '/position?x=abc&y=1'))).statusCode).toBe(400);
    expect((await get(url('image', '/position?x=1'))).statusCode).toBe(400);
  });

  it('overlay the catalog sources in the field at the pixels astropy puts them', async () => {
    const catalogs = dataPaths(fixture.state.paths.root).catalogs;
    expect((await get(url('image', '/sources'))).json()).toMatchObject({ error: 'NO_CATALOG_DB' });
    const onSources = (await astropyWcs(fitsPath, { pixels: SKY_SOURCES.map((s) => [s.x, s.y]) })).sky;
    const written = writeSkyCatalog(catalogs, onSources);
    const reply = (await get(url('image', '/sources'))).json<{ catalogs: string[]; sources: { name: string; x: number; y: number; fluxJy: number }[]; truncated: boolean }>();
    expect(reply.catalogs).toEqual(['nvss']);
    expect(reply.sources.map((s) => s.name)).toEqual(['NVSS J1', 'NVSS J0', 'NVSS corner']);
    const expected = (await astropyWcs(fitsPath, { sky: reply.sources.map((s) => { const w = written.find((c) => c.name === s.name)!; return [w.raDeg, w.decDeg]; }) })).pixels;
    reply.sources.forEach((s, i) => {
      expect(s.x).toBeCloseTo(expected[i]![0], 6);
      expect(s.y).toBeCloseTo(expected[i]![1], 6);
    });
    expect((await get(url('image', '/sources?minFluxJy=1'))).json()).toMatchObject({ sources: [{ name: 'NVSS J1' }] });
    expect((await get(url('image', '/sources?limit=1'))).json()).toMatchObject({ sources: [{ name: 'NVSS J1' }], truncated: true });
    expect((await get(url('image', '/sources?catalog=first'))).json()).toMatchObject({ error: 'NO_SUCH_CATALOG' });
  });

  it('refuse what is not a FITS sky image, and anything outside the images directory', async () => {
    expect((await get(url('garbage'))).json()).toMatchObject({ error: 'NOT_A_FITS_IMAGE', message: expect.stringContaining('the garbage of image') as unknown });
    expect((await get(url('thumbnail', '/pixels'))).statusCode).toBe(422);
    expect((await get(url('badwcs', '/position?x=1&y=1'))).json()).toMatchObject({ error: 'NOT_A_SKY_IMAGE', message: expect.stringContaining('CTYPE1 RA---ZZZ') as unknown });
    expect((await get(url('escape', '/position?x=1&y=1'))).statusCode).toBe(403);
    expect((await get(url('psf'))).json()).toMatchObject({ error: 'PRODUCT_NOT_FOUND' });
    expect((await get(`/api/v1/images/nope/sky/image`)).statusCode).toBe(404);
    expect((await get(`/api/v1/images/${imageId}/sky/..%2Fimage`)).statusCode).toBe(400);
  });
});
