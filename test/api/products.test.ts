import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/config/paths.js';
import type { NewEvent } from '../../src/eventlog/event.js';
import { apiFixture, FIXTURE } from '../support/apiState.js';

let fixture: Awaited<ReturnType<typeof apiFixture>>;
const T = '2026-11-24T01:00:00Z';
const PLOT = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
const [first, second, third] = FIXTURE.completed;

/** An image of a group with products on disk (the FITS bytes are the test's own marker). */
function imageEvents(groupId: string, imageId: string, dir: string, qa: { rmsJy: number; dynamicRange: number; grade: 'good' | 'warn' | 'bad' } | null): NewEvent[] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'image.fits'), `SIMPLE  = T / ${imageId}`);
  const beam = { majorArcsec: 30, minorArcsec: 20, paDeg: 10 };
  const written: NewEvent = {
    type: 'ImageWritten',
    time: T,
    payload: { groupId, imageId, mode: 'full', products: { image: join(dir, 'image.fits'), escape: join(dir, 'escape.fits') }, sizePx: 2048, cellArcsec: 6, beam },
  };
  if (!qa) return [written];
  writeFileSync(join(dir, 'thumbnail.png'), 'PNG');
  const artifacts = { thumbnail: join(dir, 'thumbnail.png') };
  return [written, { type: 'ImageQaMeasured', time: T, payload: { groupId, imageId, peakJy: 1, beam, sourceCount: 7, issues: qa.grade === 'good' ? [] : ['rms high'], artifacts, ...qa } }];
}

beforeAll(async () => {
  fixture = await apiFixture();
  const images = dataPaths(fixture.state.paths.root).images;
  const { log } = fixture.state;
  for (const [i, id] of [first!, second!].entries()) {
    await log.append(id, [{ type: 'MsWritten', time: T, payload: { groupId: id, msPath: `/data/ms/${id}.ms`, rows: 100 + i, spectralWindows: 16, channels: 768, antennas: 117, integrations: 24, sizeBytes: 1e9, phaseCenterRaRad: 1, phaseCenterDecRad: 0.5, midMjd: 61000 + i } }], 'any');
  }
  await log.append(first!, imageEvents(first!, `${first}-full`, join(images, 'a'), { rmsJy: 0.002, dynamicRange: 500, grade: 'good' }), 'any');
  await log.append(second!, imageEvents(second!, `${second}-full`, join(images, 'b'), { rmsJy: 0.009, dynamicRange: 80, grade: 'warn' }), 'any');
  await log.append(third!, imageEvents(third!, `${third}-full`, join(images, 'c'), null), 'any');
  // a product that resolves outside the data root must never be served
  symlinkSync('/etc/hostname', join(images, 'a', 'escape.fits'));
  // the bandpass has a plot beside it, and one that resolves outside the data root
  const caltables = dataPaths(fixture.state.paths.root).caltables;
  mkdirSync(caltables, { recursive: true });
  writeFileSync(join(caltables, `${first}_bpcal.bandpass-amplitude.svg`), PLOT);
  symlinkSync('/etc/hostname', join(caltables, `${first}_bpcal.bandpass-phase.svg`));
  const artifacts = { 'bandpass-amplitude': join(caltables, `${first}_bpcal.bandpass-amplitude.svg`), 'bandpass-phase': join(caltables, `${first}_bpcal.bandpass-phase.svg`) };
  await log.append(first!, (['BP', 'G'] as const).map((kind) => ({
    type: 'CaltableRegistered' as const,
    time: T,
    payload: { groupId: first!, caltableId: `${first}-${kind}`, kind, path: `/data/caltables/${first}.${kind}`, validFromMjd: 61000, validToMjd: 61000.25, refAntenna: 'DSA-010', medianSnr: 55, flaggedFraction: 0.01, ...(kind === 'BP' && { artifacts }) },
  })), 'any');
  await fixture.state.readModels.catchUp(fixture.state.log);
});
afterAll(() => fixture.close());

const get = (url: string) => fixture.app.inject({ method: 'GET', url });

describe('MeasurementSets', () => {
  it('lists them newest first with a cursor, and shows one', async () => {
    const page = (await get('/api/v1/ms?limit=1')).json<{ ms: { groupId: string; raDeg: number }[]; next: string }>();
    expect(page.ms.map((m) => m.groupId)).toEqual([second]);
    expect(page.ms[0]!.raDeg).toBeCloseTo(57.29578, 4);
    const rest = (await get(`/api/v1/ms?before=${page.next}`)).json<{ ms: { groupId: string }[]; next: string | null }>();
    expect(rest).toEqual({ ms: [expect.objectContaining({ groupId: first })], next: null });
    expect((await get(`/api/v1/ms/${first}`)).json()).toMatchObject({ rows: 100, spectralWindows: 16, midMjd: 61000 });
    expect((await get(`/api/v1/ms/${FIXTURE.pending[0]}`)).statusCode).toBe(404);
  });
});

describe('images', () => {
  it('filters, sorts and pages server-side, unassessed images last', async () => {
    const list = async (query: string) => (await get(`/api/v1/images?${query}`)).json<{ images: { imageId: string; qa: { grade: string } | null }[]; total: number }>();
    expect((await list('sort=rms&order=asc')).images.map((i) => i.imageId)).toEqual([`${first}-full`, `${second}-full`, `${third}-full`]);
    expect((await list('sort=rms&order=desc')).images.map((i) => i.imageId)).toEqual([`${second}-full`, `${first}-full`, `${third}-full`]);
    expect(await list('grade=warn')).toMatchObject({ total: 1, images: [{ imageId: `${second}-full`, qa: { grade: 'warn' } }] });
    const paged = await list('sort=time&order=asc&limit=1&offset=2');
    expect(paged).toMatchObject({ total: 3, images: [{ imageId: `${third}-full`, qa: null }] });
    expect((await get('/api/v1/images?sort=brightness')).statusCode).toBe(400);
    expect((await get('/api/v1/images?limit=5000')).statusCode).toBe(400);
  });

  it('shows one image with its QA and serves its files, but nothing outside the data root', async () => {
    expect((await get(`/api/v1/images/${first}-full`)).json()).toMatchObject({ groupId: first, beam: { majorArcsec: 30 }, qa: { dynamicRange: 500, sourceCount: 7 } });
    const fits = await get(`/api/v1/images/${first}-full/files/image`);
    expect(fits.statusCode).toBe(200);
    expect(fits.headers['content-type']).toBe('application/fits');
    expect(fits.body).toBe(`SIMPLE  = T / ${first}-full`);
    const thumbnail = await get(`/api/v1/images/${first}-full/files/thumbnail`);
    expect([thumbnail.statusCode, thumbnail.headers['content-type'], thumbnail.body]).toEqual([200, 'image/png', 'PNG']);
    const escaped = await get(`/api/v1/images/${first}-full/files/escape`);
    expect(escaped.statusCode).toBe(403);
    expect(escaped.body).not.toContain(readFileSync('/etc/hostname', 'utf8').trim());
    expect((await get(`/api/v1/images/${first}-full/files/psf`)).json()).toMatchObject({ error: 'PRODUCT_NOT_FOUND' });
    expect((await get(`/api/v1/images/${second}-full/files/escape`)).json()).toMatchObject({ error: 'FILE_GONE' });
    expect((await get('/api/v1/images/nope')).statusCode).toBe(404);
    expect((await get(`/api/v1/images/${first}-full/files/..%2F..%2Fetc`)).statusCode).toBe(400);
  });
});

describe('calibration tables', () => {
  it('lists the validity timeline and answers which set applies at a time', async () => {
    expect((await get('/api/v1/caltables')).json<{ caltables: { kind: string }[] }>().caltables.map((c) => c.kind)).toEqual(['BP', 'G']);
    expect((await get('/api/v1/caltables?fromMjd=61001')).json()).toEqual({ caltables: [] });
    expect((await get('/api/v1/caltables/active?mjd=61000.1')).json()).toMatchObject({ groupId: first, separationHours: 0, warning: null });
    expect((await get('/api/v1/caltables/active?mjd=61000.55')).json()).toMatchObject({ groupId: first, warning: expect.stringMatching(/beyond 6 h/) as unknown });
    expect((await get('/api/v1/caltables/active?mjd=61002')).json()).toMatchObject({ error: 'NO_CALIBRATION' });
    expect((await get('/api/v1/caltables/active')).statusCode).toBe(400);
    expect((await get('/api/v1/caltables/active?mjd=tomorrow')).statusCode).toBe(400);
  });

  it('serves the QA plots of a table from the caltables directory only', async () => {
    const [bp, g] = (await get('/api/v1/caltables')).json<{ caltables: { artifacts: Record<string, string> }[] }>().caltables;
    expect(Object.keys(bp!.artifacts)).toEqual(['bandpass-amplitude', 'bandpass-phase']);
    expect(g!.artifacts).toEqual({});
    const plot = await get(`/api/v1/caltables/${first}-BP/artifacts/bandpass-amplitude`);
    expect([plot.statusCode, plot.headers['content-type'], plot.body]).toEqual([200, 'image/svg+xml', PLOT]);
    expect(plot.headers['content-security-policy']).toContain("default-src 'none'");
    const escaped = await get(`/api/v1/caltables/${first}-BP/artifacts/bandpass-phase`);
    expect(escaped.statusCode).toBe(403);
    expect(escaped.body).not.toContain(readFileSync('/etc/hostname', 'utf8').trim());
    expect((await get(`/api/v1/caltables/${first}-G/artifacts/gain-phase`)).json()).toMatchObject({ error: 'ARTIFACT_NOT_FOUND', message: expect.stringContaining('it has none') as unknown });
    expect((await get(`/api/v1/caltables/nope/artifacts/gain-phase`)).json()).toMatchObject({ error: 'CALTABLE_NOT_FOUND' });
    expect((await get(`/api/v1/caltables/${first}-BP/artifacts/..%2F..%2Fetc`)).statusCode).toBe(400);
  });
});
