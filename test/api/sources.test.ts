import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/eventlog/event.js';
import { apiFixture, FIXTURE } from '../support/apiState.js';

let fixture: Awaited<ReturnType<typeof apiFixture>>;
const T = '2026-11-24T01:00:00Z';
const EPOCHS = 5;
const groups = FIXTURE.completed.slice(0, EPOCHS);
/** Recorded out of time order, so the light curve's order is the API's doing. */
const RECORD_ORDER = [3, 0, 4, 1, 2];

const STEADY = 'nvss:J1320+3000';
const NEIGHBOUR = 'nvss:J1322 +3010';
const VARIABLE = 'first:J1321+3005';
const FAR = 'nvss:J1640-1000';
const SOURCES = [
  { sourceId: STEADY, raDeg: 200, decDeg: 30, flux: () => 1 },
  { sourceId: NEIGHBOUR, raDeg: 200.5, decDeg: 30.17, flux: (e: number) => 0.5 + 0.001 * e },
  { sourceId: VARIABLE, raDeg: 200.25, decDeg: 30.08, flux: (e: number) => (e % 2 === 0 ? 0.1 : 0.3) },
  { sourceId: FAR, raDeg: 250, decDeg: -10, flux: () => 2 },
];
const ERROR_JY = 0.002;

function photometryOf(epoch: number): NewEvent {
  const groupId = groups[epoch]!;
  // the far source is measured only in the first two epochs: too few for statistics
  const measured = SOURCES.filter((s) => s.sourceId !== FAR || epoch < 2);
  return {
    type: 'PhotometryMeasured',
    time: T,
    payload: {
      groupId,
      imageId: `${groupId}-full`,
      imagePath: `/data/images/${groupId}/pbcor.fits`,
      mjd: 61000 + epoch,
      catalogs: ['nvss', 'first'],
      skipped: 0,
      measurements: measured.map((s) => ({ sourceId: s.sourceId, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.flux(epoch), errorJy: ERROR_JY, peakJy: s.flux(epoch), rmsJy: 0.0017, method: 'condon' as const })),
    },
  };
}

const detected = (raDeg: number, intFluxJy: number) => ({
  raDeg, decDeg: 30, raErrArcsec: 1, decErrArcsec: 1, peakJy: intFluxJy, peakErrJy: 0.001, intFluxJy, intFluxErrJy: 0.002,
  majorArcsec: 30, minorArcsec: 20, paDeg: 0, majorErrArcsec: 1, minorErrArcsec: 1, paErrDeg: 2, x: 10, y: 20, localRmsJy: 0.001, backgroundJy: 0, snr: intFluxJy / 0.001, island: 0, fitted: true,
});

beforeAll(async () => {
  fixture = await apiFixture();
  const { log } = fixture.state;
  for (const epoch of RECORD_ORDER) await log.append(groups[epoch]!, [photometryOf(epoch)], 'any');
  const [first, second] = groups;
  const imageId = `${first}-full`;
  const imagePath = `/data/images/${first}/image.fits`;
  await log.append(first!, [
    { type: 'SourcesFound', time: T, payload: { groupId: first!, imageId, imagePath, seedSigma: 5, floodSigma: 3, islands: 2, sources: [detected(200, 0.2), detected(200.5, 1.1)] } },
    {
      type: 'CrossMatchCompleted',
      time: T,
      payload: {
        groupId: first!, imageId, imagePath, catalog: 'nvss', radiusArcsec: 10, detected: 2, candidates: 3, matched: 1, expected: 2, recovered: 1, completeness: 0.5,
        rmsOffsetArcsec: 1.5, fluxRatio: { median: 1.1, mad: 0 }, issues: ['completeness low'],
        matches: [{ source: 1, catalogName: 'J1322+3000', separationArcsec: 1.5, dRaArcsec: 1, dDecArcsec: 1, detectedFluxJy: 1.1, catalogFluxJy: 1, fluxRatio: 1.1 }],
      },
    },
  ], 'any');
  await log.append(second!, [{ type: 'CrossMatchSkipped', time: T, payload: { groupId: second!, imageId: `${second}-full`, reason: 'no catalog covers the field' } }], 'any');
  await log.append(second!, [{
    type: 'MosaicWritten',
    time: T,
    payload: {
      groupId: second!, mosaicId: 'dec+30-w0', strip: 'dec+30', windowIndex: 0, tiles: [{ imageId, groupId: first! }, { imageId: `${second}-full`, groupId: second! }],
      products: { image: '/data/mosaics/dec+30-w0.fits' }, widthPx: 400, heightPx: 300, cellArcsec: 6, centerRaDeg: 200, centerDecDeg: 30, rmsJy: 0.001, peakJy: 2, coverage: 0.9, areaDeg2: 12,
    },
  }], 'any');
  await fixture.state.readModels.catchUp(fixture.state.log);
});
afterAll(() => fixture.close());

const get = (url: string) => fixture.app.inject({ method: 'GET', url });
const sourceUrl = (id: string, rest = '') => `/api/v1/sources/${encodeURIComponent(id)}${rest}`;
interface Entry { sourceId: string; epochs: number; eta: number | null; variable: boolean; weightedMeanFluxJy: number | null }
const list = async (query: string) => (await get(`/api/v1/sources?${query}`)).json<{ sources: Entry[]; total: number }>();
const ids = async (query: string) => (await list(query)).sources.map((s) => s.sourceId);

describe('the source list', () => {
  it('searches a cone: only sources within the radius of the centre', async () => {
    // VARIABLE is 0.24° from (200, 30), NEIGHBOUR 0.48°, FAR 44°
    expect(await ids('ra=200&dec=30&radius=0.3&sort=id&order=asc')).toEqual([VARIABLE, STEADY]);
    expect(await ids('ra=200&dec=30&radius=0.5&sort=id&order=asc')).toEqual([VARIABLE, STEADY, NEIGHBOUR]);
    expect(await ids('ra=250&dec=-10&radius=1')).toEqual([FAR]);
    expect(await ids('ra=10&dec=-80&radius=1')).toEqual([]);
  });

  it('filters by epochs and the variability flag, sorts and pages on the server', async () => {
    expect((await list('')).total).toBe(4);
    expect(await ids('minEpochs=3&sort=id&order=asc')).toEqual([VARIABLE, STEADY, NEIGHBOUR]);
    expect(await ids('variable=true')).toEqual([VARIABLE]);
    const byFlux = await ids('sort=flux&order=desc');
    expect(byFlux).toEqual([STEADY, NEIGHBOUR, VARIABLE, FAR]); // FAR has no statistics: last in either order
    expect(await ids('sort=flux&order=asc')).toEqual([VARIABLE, NEIGHBOUR, STEADY, FAR]);
    const page = await list('sort=flux&order=desc&limit=2&offset=1');
    expect([page.total, page.sources.map((s) => s.sourceId)]).toEqual([4, [NEIGHBOUR, VARIABLE]]);
    expect((await ids('sort=eta&order=desc'))[0]).toBe(VARIABLE);
  });

  it('rejects bad parameters with the reason', async () => {
    for (const query of ['ra=200&dec=30', 'ra=400&dec=0&radius=1', 'dec=-91&ra=0&radius=1', 'radius=0&ra=0&dec=0', 'sort=brightness', 'limit=0', 'minEpochs=x', 'variable=maybe']) {
      const reply = await get(`/api/v1/sources?${query}`);
      expect([query, reply.statusCode]).toEqual([query, 400]);
      expect(reply.json<{ message: string }>().message).not.toBe('');
    }
    expect((await get('/api/v1/sources?ra=200&dec=30')).json()).toMatchObject({ message: expect.stringContaining('ra, dec and radius') as unknown });
  });
});

describe('one source', () => {
  it('shows its statistics and flags, its id (with ":", "+" and a space) round-tripping through the path', async () => {
    const variable = (await get(sourceUrl(VARIABLE))).json<Entry & { eseCandidate: boolean }>();
    expect(variable).toMatchObject({ sourceId: VARIABLE, epochs: EPOCHS, variable: true, firstMjd: 61000, lastMjd: 61004 });
    expect(variable.eta!).toBeGreaterThan(100);
    expect((await get(sourceUrl(NEIGHBOUR))).json()).toMatchObject({ sourceId: NEIGHBOUR, variable: false, eseCandidate: false });
    expect((await get(sourceUrl(FAR))).json()).toMatchObject({ epochs: 2, eta: null, variable: false });
  });

  it('serves its light curve oldest first with raw and normalised fluxes and their images', async () => {
    const curve = (await get(sourceUrl(VARIABLE, '/lightcurve'))).json<{ sourceId: string; points: { groupId: string; imageId: string; mjd: number; fluxJy: number; errorJy: number; normalizedFluxJy: number; normalizedErrorJy: number }[] }>();
    expect(curve.sourceId).toBe(VARIABLE);
    expect(curve.points.map((p) => p.mjd)).toEqual([61000, 61001, 61002, 61003, 61004]);
    expect(curve.points.map((p) => p.groupId)).toEqual(groups);
    expect(curve.points.map((p) => p.imageId)).toEqual(groups.map((g) => `${g}-full`));
    expect(curve.points.map((p) => p.fluxJy)).toEqual([0.1, 0.3, 0.1, 0.3, 0.1]);
    for (const p of curve.points) {
      expect(p.errorJy).toBe(ERROR_JY);
      expect(p.normalizedFluxJy).toBeGreaterThan(0);
      expect(p.normalizedErrorJy).toBeGreaterThan(0);
    }
    expect((await get(sourceUrl(FAR, '/lightcurve'))).json<{ points: unknown[] }>().points).toHaveLength(2);
  });

  it('answers 404 for an unknown source and 400 for a malformed id', async () => {
    expect((await get(sourceUrl('nvss:J0000+0000'))).json()).toMatchObject({ error: 'SOURCE_NOT_FOUND', message: expect.stringContaining('nvss:J0000+0000') as unknown });
    expect((await get(sourceUrl('nvss:J0000+0000', '/lightcurve'))).statusCode).toBe(404);
    expect((await get(sourceUrl('no-catalog'))).statusCode).toBe(400);
    expect((await get(sourceUrl(`nvss:${'x'.repeat(300)}`))).statusCode).toBe(414); // fastify's path-parameter limit
  });
});

describe('variability candidates', () => {
  it('lists the flagged sources, the most variable first, and validates the kind', async () => {
    expect((await get('/api/v1/variability/candidates')).json<{ candidates: Entry[] }>().candidates.map((c) => c.sourceId)).toEqual([VARIABLE]);
    expect((await get('/api/v1/variability/candidates?kind=variable&limit=1')).json<{ candidates: Entry[] }>().candidates).toHaveLength(1);
    expect((await get('/api/v1/variability/candidates?kind=flare')).statusCode).toBe(400);
  });
});

describe('an image’s sources', () => {
  it('lists the detected sources brightest first with their counterparts, and the cross-match summary', async () => {
    const [first, second] = groups;
    const found = (await get(`/api/v1/images/${first}-full/sources`)).json<{ sources: { source: number; intFluxJy: number; matches: unknown[] }[]; crossmatch: unknown[] }>();
    expect(found.sources.map((s) => [s.source, s.intFluxJy])).toEqual([[1, 1.1], [0, 0.2]]);
    expect(found.sources[0]!.matches).toEqual([{ catalog: 'nvss', catalogName: 'J1322+3000', separationArcsec: 1.5, fluxRatio: 1.1 }]);
    expect(found.sources[1]!.matches).toEqual([]);
    expect(found.crossmatch).toEqual([{ catalog: 'nvss', skippedReason: null, matched: 1, detected: 2, completeness: 0.5, rmsOffsetArcsec: 1.5, fluxRatioMedian: 1.1, issues: ['completeness low'] }]);
    const skipped = (await get(`/api/v1/images/${second}-full/sources`)).json<unknown>();
    expect(skipped).toMatchObject({ sources: [], crossmatch: [{ catalog: '', skippedReason: 'no catalog covers the field', matched: null }] });
    expect((await get(`/api/v1/images/${groups[2]}-full/sources`)).json()).toMatchObject({ error: 'NO_SOURCES' });
  });
});

describe('mosaics', () => {
  it('lists the mosaics with their tiles, filtered by strip', async () => {
    const all = (await get('/api/v1/mosaics')).json<{ mosaics: { mosaicId: string; tiles: unknown[]; products: Record<string, string> }[]; total: number }>();
    expect(all.total).toBe(1);
    expect(all.mosaics[0]).toMatchObject({ mosaicId: 'dec+30-w0', strip: 'dec+30', widthPx: 400, products: { image: '/data/mosaics/dec+30-w0.fits' } });
    expect(all.mosaics[0]!.tiles).toHaveLength(2);
    expect((await get('/api/v1/mosaics?strip=dec-10')).json()).toEqual({ mosaics: [], total: 0 });
    expect((await get('/api/v1/mosaics?strip=..%2Fetc')).statusCode).toBe(400);
  });
});
