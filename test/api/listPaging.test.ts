/**
 * The source and image lists are filtered, sorted and paged in SQL (indexes, totals counted once
 * per read-model position, nulls read after the valued rows): checked against a plain reading of
 * every row, on a state with ties, rows without statistics and cones across RA 0 and the pole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { NewEvent } from '../../src/eventlog/event.js';
import { sourceVariability, variabilityThresholds, type SourceVariability } from '../../src/projections/photometry.js';
import { variabilityFlags } from '../../src/science/variability/statistics.js';
import { apiFixture, FIXTURE } from '../support/apiState.js';
import { groupId } from '../support/groupEvents.js';
import { random } from '../support/random.js';

let fixture: Awaited<ReturnType<typeof apiFixture>>;
const T = '2026-11-24T01:00:00Z';
const RAD = Math.PI / 180;
const EPOCH_GROUPS = FIXTURE.completed;
const RADIUS = 0.5;
/** Just inside and just outside the radius: 0.36 mas either side of it. */
const EDGE = 1e-7;

/** The point `distanceDeg` from (ra, dec) along `bearingDeg` (east of north), by spherical trigonometry. */
function offset(raDeg: number, decDeg: number, distanceDeg: number, bearingDeg: number): { raDeg: number; decDeg: number } {
  const [d, b, dec1] = [distanceDeg * RAD, bearingDeg * RAD, decDeg * RAD];
  const dec2 = Math.asin(Math.sin(dec1) * Math.cos(d) + Math.cos(dec1) * Math.sin(d) * Math.cos(b));
  const dRa = Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(dec1), Math.cos(d) - Math.sin(dec1) * Math.sin(dec2));
  return { raDeg: (((raDeg + dRa / RAD) % 360) + 360) % 360, decDeg: dec2 / RAD };
}

/** Cone centres where the RA window is awkward: across RA 0/360, around a pole, and plain. */
const CENTRES = [
  { name: 'wrap', raDeg: 0.1, decDeg: 20 },
  { name: 'pole', raDeg: 45, decDeg: 89.8 },
  { name: 'plain', raDeg: 150, decDeg: -30 },
];
const BEARINGS = [0, 45, 90, 135, 180, 225, 270, 315];

interface SeedSource {
  readonly sourceId: string;
  readonly raDeg: number;
  readonly decDeg: number;
  /** Flux at each epoch measured. */
  readonly fluxes: readonly number[];
}

/** Sources at the cones' edges and a field of others with 1–6 epochs, some with identical light curves (ties). */
function seedSources(): SeedSource[] {
  const uniform = random(5);
  const curve = (epochs: number) => Array.from({ length: epochs }, () => 0.05 + uniform() * (uniform() < 0.3 ? 1 : 0.01));
  const edges = CENTRES.flatMap((c) =>
    BEARINGS.flatMap((bearing) =>
      (['in', 'out'] as const).map((side) => ({
        sourceId: `edge:${c.name}-${bearing}-${side}`,
        ...offset(c.raDeg, c.decDeg, RADIUS * (side === 'in' ? 1 - EDGE : 1 + EDGE), bearing),
        fluxes: curve(1 + (bearing % 6)),
      })),
    ),
  );
  const field = Array.from({ length: 40 }, (_, i) => ({ sourceId: `field:S${String(i).padStart(3, '0')}`, raDeg: 360 * uniform(), decDeg: 60 * uniform() - 30, fluxes: curve(1 + (i % 6)) }));
  const twins = field.slice(0, 6).map((s) => ({ ...s, sourceId: `${s.sourceId}-twin` }));
  return [...edges, ...field, ...twins];
}

const SOURCES = seedSources();

function photometryOf(epoch: number): NewEvent {
  const id = EPOCH_GROUPS[epoch]!;
  const measured = SOURCES.filter((s) => epoch < s.fluxes.length);
  return {
    type: 'PhotometryMeasured',
    time: T,
    payload: {
      groupId: id, imageId: `${id}-full`, imagePath: `/data/images/${id}/pbcor.fits`, mjd: 61000 + epoch, catalogs: ['edge', 'field'], skipped: 0,
      measurements: measured.map((s) => ({ sourceId: s.sourceId, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.fluxes[epoch]!, errorJy: 0.002, peakJy: s.fluxes[epoch]!, rmsJy: 0.002, method: 'condon' as const })),
    },
  };
}

/** Images of groups 100…, a third not yet assessed, the rms values repeating (ties). */
const IMAGES = 45;
function imageEvents(i: number): NewEvent[] {
  const id = groupId(100 + i);
  const imageId = `${id}-${i % 4 === 0 ? 'quick' : 'full'}`;
  const beam = { majorArcsec: 30, minorArcsec: 20, paDeg: 0 };
  const written: NewEvent = { type: 'ImageWritten', time: T, payload: { groupId: id, imageId, mode: i % 4 === 0 ? 'quick' : 'full', products: { image: `/data/images/${imageId}/image.fits` }, sizePx: 512, cellArcsec: 6, beam } };
  if (i % 3 === 1) return [written];
  const grade = i % 5 === 0 ? 'bad' : i % 2 === 0 ? 'good' : 'warn';
  const rmsJy = 0.001 * (1 + (i % 7));
  return [written, { type: 'ImageQaMeasured', time: T, payload: { groupId: id, imageId, rmsJy, peakJy: 1, dynamicRange: 1 / rmsJy, beam, sourceCount: i % 5, grade, issues: [] } }];
}

beforeAll(async () => {
  fixture = await apiFixture();
  const { log } = fixture.state;
  for (let epoch = 0; epoch < EPOCH_GROUPS.length; epoch++) await log.append(EPOCH_GROUPS[epoch]!, [photometryOf(epoch)], 'any');
  for (let i = 0; i < IMAGES; i++) await log.append(groupId(100 + i), imageEvents(i), 'any');
  await fixture.state.readModels.catchUp(fixture.state.log);
});
afterAll(() => fixture.close());

const get = async <R,>(url: string): Promise<R> => {
  const reply = await fixture.app.inject({ method: 'GET', url });
  expect(reply.statusCode, url).toBe(200);
  return reply.json<R>();
};
interface SourcePage { sources: SourceVariability[]; total: number }
/** The configured thresholds: the defaults, as the fixture's server has them. */
const thresholds = () => variabilityThresholds(loadConfig({ env: {}, cwd: fixture.state.paths.root }).config);
/** Every source, read plainly. */
const allSources = () => sourceVariability(fixture.state.readModels.db, thresholds());

/** Every page of a list of `limit`, concatenated, each page checked for the same total. */
async function everyPage<T>(url: (offset: number) => string, items: (page: { total: number }) => T[], limit: number): Promise<{ rows: T[]; total: number }> {
  const rows: T[] = [];
  let total: number | undefined;
  for (let offset = 0; ; offset += limit) {
    const page = await get<{ total: number }>(url(offset));
    total ??= page.total;
    expect(page.total).toBe(total);
    rows.push(...items(page));
    if (offset + limit >= page.total) return { rows, total };
  }
}

describe('the source list in SQL', () => {
  it('finds exactly the sources inside a cone, across RA 0/360, around a pole and elsewhere', async () => {
    for (const c of CENTRES) {
      const found = await get<SourcePage>(`/api/v1/sources?ra=${c.raDeg}&dec=${c.decDeg}&radius=${RADIUS}&sort=id&order=asc&limit=500`);
      const expected = SOURCES.filter((s) => s.sourceId.startsWith(`edge:${c.name}-`) && s.sourceId.endsWith('-in')).map((s) => s.sourceId).sort();
      expect([c.name, found.sources.map((s) => s.sourceId)]).toEqual([c.name, expected]);
      expect(found.total).toBe(BEARINGS.length);
    }
  });

  it('sorts every key both ways as a plain sort of every source does, those without the statistic last', async () => {
    const all = allSources();
    const keys = { id: (s: SourceVariability) => s.sourceId, eta: (s: SourceVariability) => s.eta, v: (s: SourceVariability) => s.v, flux: (s: SourceVariability) => s.weightedMeanFluxJy, epochs: (s: SourceVariability) => s.epochs };
    expect(all.filter((s) => s.eta === null).length).toBeGreaterThan(10);
    for (const [sort, key] of Object.entries(keys)) {
      for (const order of ['asc', 'desc'] as const) {
        const sign = order === 'asc' ? 1 : -1;
        const compare = (a: SourceVariability, b: SourceVariability) => {
          const [x, y] = [key(a), key(b)];
          if (x === null || y === null) return x === y ? sign * (a.sourceId < b.sourceId ? -1 : 1) : x === null ? 1 : -1;
          return sign * (x < y ? -1 : x > y ? 1 : a.sourceId < b.sourceId ? -1 : 1);
        };
        const expected = [...all].sort(compare).map((s) => s.sourceId);
        const page = await get<SourcePage>(`/api/v1/sources?sort=${sort}&order=${order}&limit=500`);
        expect([sort, order, page.sources.map((s) => s.sourceId)]).toEqual([sort, order, expected]);
      }
    }
  });

  it('pages consistently: the pages of any size make up the whole list, across the sources without statistics', async () => {
    for (const [query, limit] of [['sort=flux&order=asc', 7], ['sort=eta&order=desc&minEpochs=2', 5], ['sort=v&order=asc', 13], ['sort=id&order=desc', 50]] as const) {
      const whole = await get<SourcePage>(`/api/v1/sources?${query}&limit=500`);
      const paged = await everyPage((offset) => `/api/v1/sources?${query}&limit=${limit}&offset=${offset}`, (p) => (p as SourcePage).sources.map((s) => s.sourceId), limit);
      expect([query, paged.rows]).toEqual([query, whole.sources.map((s) => s.sourceId)]);
      expect(paged.total).toBe(whole.total);
    }
    expect(await get<SourcePage>(`/api/v1/sources?sort=flux&offset=100000`)).toEqual({ sources: [], total: SOURCES.length });
  });

  it('filters by epochs and the flags as the thresholds flag each source', async () => {
    const all = allSources();
    for (const s of all) {
      const flags = s.eta === null || s.v === null || s.sigmaDeviation === null ? { variable: false, eseCandidate: false } : variabilityFlags({ eta: s.eta, v: s.v, sigmaDeviation: s.sigmaDeviation }, thresholds());
      expect([s.sourceId, s.variable, s.eseCandidate]).toEqual([s.sourceId, flags.variable, flags.eseCandidate]);
    }
    const ids = async (query: string) => (await get<SourcePage>(`/api/v1/sources?${query}&sort=id&order=asc&limit=500`)).sources.map((s) => s.sourceId);
    const byId = (pick: (s: SourceVariability) => boolean) => all.filter(pick).map((s) => s.sourceId);
    expect(byId((s) => s.variable).length).toBeGreaterThan(3);
    expect(await ids('minEpochs=4')).toEqual(byId((s) => s.epochs >= 4));
    expect(await ids('variable=true')).toEqual(byId((s) => s.variable));
    expect(await ids('variable=false')).toEqual(byId(() => true));
    expect(await ids('ese=true&minEpochs=5')).toEqual(byId((s) => s.eseCandidate && s.epochs >= 5));
    const candidates = await get<{ candidates: SourceVariability[] }>('/api/v1/variability/candidates?limit=500');
    expect(candidates.candidates.map((s) => s.sourceId)).toEqual([...all].filter((s) => s.variable).sort((a, b) => b.eta! - a.eta! || (b.sourceId < a.sourceId ? -1 : 1)).map((s) => s.sourceId));
  });
});

interface ImagePage { images: { imageId: string; qa: { rmsJy: number; grade: string } | null }[]; total: number }

describe('the image list in SQL', () => {
  const imageRows = () =>
    fixture.state.readModels.db.prepare<[], { image_id: string; group_id: string; mode: string; rms_jy: number | null; grade: string | null }>('SELECT image_id, group_id, mode, rms_jy, grade FROM images').all();

  it('sorts by a QA value with the images not yet assessed last, and pages across them consistently', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const sign = order === 'asc' ? 1 : -1;
      const expected = imageRows()
        .sort((a, b) => (a.rms_jy === null) !== (b.rms_jy === null) ? (a.rms_jy === null ? 1 : -1) : sign * ((a.rms_jy ?? 0) - (b.rms_jy ?? 0) || (a.image_id < b.image_id ? -1 : 1)))
        .map((r) => r.image_id);
      for (const limit of [4, 11, 500]) {
        const paged = await everyPage((offset) => `/api/v1/images?sort=rms&order=${order}&limit=${limit}&offset=${offset}`, (p) => (p as ImagePage).images.map((i) => i.imageId), limit);
        expect([order, limit, paged.rows]).toEqual([order, limit, expected]);
      }
    }
  });

  it('filters by grade, mode and time, newest first by default', async () => {
    const rows = imageRows();
    const since = groupId(110);
    const until = groupId(130);
    const expected = rows.filter((r) => r.grade === 'warn' && r.mode === 'full' && r.group_id >= since && r.group_id <= until).map((r) => r.image_id).sort().reverse();
    const page = await get<ImagePage>(`/api/v1/images?grade=warn&mode=full&since=${since}&until=${until}&limit=500`);
    expect(page.images.map((i) => i.imageId)).toEqual(expected);
    expect(page.total).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(2);
  });

  it('counts and answers again once the read models have moved, the same URL included', async () => {
    const url = '/api/v1/images?grade=bad&sort=rms&order=desc&limit=1';
    const before = await get<ImagePage>(url);
    expect(await get<ImagePage>(url)).toEqual(before);
    const id = groupId(400);
    const beam = { majorArcsec: 30, minorArcsec: 20, paDeg: 0 };
    await fixture.state.log.append(id, [
      { type: 'ImageWritten', time: T, payload: { groupId: id, imageId: `${id}-full`, mode: 'full', products: {}, sizePx: 512, cellArcsec: 6, beam } },
      { type: 'ImageQaMeasured', time: T, payload: { groupId: id, imageId: `${id}-full`, rmsJy: 0.5, peakJy: 1, dynamicRange: 2, beam, sourceCount: 0, grade: 'bad', issues: ['dynamic range low'] } },
    ], 'any');
    await fixture.state.readModels.catchUp(fixture.state.log);
    const after = await get<ImagePage>(url);
    expect([after.total, after.images[0]!.imageId]).toEqual([before.total + 1, `${id}-full`]);
  });
});
