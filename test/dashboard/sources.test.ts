import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE } from '../support/apiState.js';
import { openDashboard, type ApiFixture, type DashboardSession } from './session.js';

const SCREENSHOTS = join(tmpdir(), 'contimg-dashboard-screenshots');
const SOURCE = 'nvss:J1321+3005';
const OTHER = 'nvss:J1640-1000';
const FLUXES_JY = [0.1, 0.3, 0.12, 0.28, 0.11, 0.25];

let dashboard: DashboardSession;

/** The group's image, two sources found in it and their cross-match with NVSS (one matched). */
async function recordImageWithSources(fixture: ApiFixture, groupId: string) {
  const imageId = `${groupId}-full`;
  const imagePath = `/data/images/${groupId}.fits`;
  const time = new Date().toISOString();
  const found = (raDeg: number, intFluxJy: number) => ({
    raDeg, decDeg: 30, raErrArcsec: 1, decErrArcsec: 1, peakJy: intFluxJy, peakErrJy: 0.001, intFluxJy, intFluxErrJy: 0.002,
    majorArcsec: 30, minorArcsec: 20, paDeg: 0, majorErrArcsec: 1, minorErrArcsec: 1, paErrDeg: 2, x: 10, y: 20, localRmsJy: 0.001, backgroundJy: 0, snr: intFluxJy / 0.001, island: 0, fitted: true,
  });
  await fixture.state.log.append(groupId, [
    { type: 'ImageWritten', time, payload: { groupId, imageId, mode: 'full', products: { image: imagePath }, sizePx: 512, cellArcsec: 6, beam: { majorArcsec: 30, minorArcsec: 20, paDeg: 0 } } },
    { type: 'SourcesFound', time, payload: { groupId, imageId, imagePath, seedSigma: 5, floodSigma: 3, islands: 2, sources: [found(200.25, 0.1), found(200.5, 1.1)] } },
    {
      type: 'CrossMatchCompleted',
      time,
      payload: {
        groupId, imageId, imagePath, catalog: 'nvss', radiusArcsec: 10, detected: 2, candidates: 2, matched: 1, expected: 2, recovered: 1, completeness: 0.5, issues: ['completeness 50 %'],
        matches: [{ source: 1, catalogName: 'J1322+3000', separationArcsec: 1.5, dRaArcsec: 1, dDecArcsec: 1, detectedFluxJy: 1.1, catalogFluxJy: 1, fluxRatio: 1.1 }],
      },
    },
  ], 'any');
}

/** Six epochs of photometry of the source (two of the other), and the first epoch's sources. */
async function recordEpochs(fixture: ApiFixture) {
  const groups = FIXTURE.completed.slice(0, FLUXES_JY.length);
  for (const [epoch, groupId] of groups.entries()) {
    const measurement = (sourceId: string, raDeg: number, decDeg: number, fluxJy: number) => ({ sourceId, raDeg, decDeg, fluxJy, errorJy: 0.003, peakJy: fluxJy, rmsJy: 0.0026, method: 'condon' as const });
    // the other source is measured in the first two epochs only: too few for statistics
    const measurements = [measurement(SOURCE, 200.25, 30.08, FLUXES_JY[epoch]!), ...(epoch < 2 ? [measurement(OTHER, 250, -10, 1)] : [])];
    await fixture.state.log.append(
      groupId,
      [{ type: 'PhotometryMeasured', time: new Date().toISOString(), payload: { groupId, imageId: `${groupId}-full`, imagePath: `/data/images/${groupId}.fits`, mjd: 61000 + epoch, catalogs: ['nvss'], skipped: 0, measurements } }],
      'any',
    );
  }
  await recordImageWithSources(fixture, groups[0]!);
}

beforeAll(async () => {
  dashboard = await openDashboard(recordEpochs);
}, 120_000);

afterAll(() => dashboard?.close());

describe('sources in Chromium', () => {
  it('lists the sources, filters the variable ones, and draws a source’s light curve with every epoch', async () => {
    const page = await dashboard.browser.context.newPage();
    await page.goto(`${dashboard.server.url}/#/sources`);
    const rows = page.locator('[data-testid="sources"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    await page.getByLabel('variable').check();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().getAttribute('data-source')).toBe(SOURCE);
    expect(await rows.first().textContent()).toContain('variable');

    await page.getByRole('link', { name: SOURCE }).click();
    await expect.poll(() => page.getByTestId('source-id').textContent(), { timeout: 10_000 }).toContain(SOURCE);
    expect(page.url()).toContain(`#/sources/${encodeURIComponent(SOURCE)}`);
    const chart = page.getByTestId('light-curve');
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe(String(FLUXES_JY.length));
    expect(await page.locator('[data-testid="measurements"] tbody tr').count()).toBe(FLUXES_JY.length);
    expect(await page.locator('[data-testid="measurements"] tbody tr').first().textContent()).toContain('100.00 ± 3.00');
    expect(await page.getByTestId('variability').textContent()).toMatch(/epochs6 \(MJD 61000\.000 – 61005\.000\)/);
    // the chart drew something: the canvas is not blank
    const inked = await page.evaluate<boolean>(
      `(() => { const c = document.querySelector('[data-testid="light-curve"]'); return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0); })()`,
    );
    expect(inked).toBe(true);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'source.png'), fullPage: true });

    // the light curve links each epoch's image, whose page lists what was found in it
    await page.getByRole('link', { name: `${FIXTURE.completed[0]}-full` }).click();
    const found = page.locator('[data-testid="image-sources"] tbody tr');
    await expect.poll(() => found.count(), { timeout: 10_000 }).toBe(2);
    expect(await found.first().textContent()).toContain('nvss:J1322+3000');
    expect(await page.getByTestId('crossmatch').textContent()).toContain('nvss: 1 of 2 matched, completeness 50 %');

    // a source with too few epochs for statistics says so, and its light curve still draws
    await page.goto(`${dashboard.server.url}/#/sources/${encodeURIComponent(OTHER)}`);
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe('2');
    expect(await page.getByTestId('variability').textContent()).toContain('statistics need 3 epochs');
  });
});
