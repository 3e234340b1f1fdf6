import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/api/dashboard.js';
import { dataPaths } from '../../src/config/paths.js';
import { astropyWcs, SKY, SKY_SOURCES, writeSkyCatalog, writeSkyImage } from '../api/skyFixture.js';
import { FIXTURE } from '../support/apiState.js';
import { openDashboard, type ApiFixture, type DashboardSession } from './session.js';

/** Screenshots are kept here as test artifacts. */
const SCREENSHOTS = join(tmpdir(), 'contimg-dashboard-screenshots');

let dashboard: DashboardSession;
let page: Page;
let fitsPath: string;
const imageId = `${FIXTURE.completed[0]}-quick`;

/** The group's quick image of the test sky, and a catalog of its sources. */
async function recordSkyImage(fixture: ApiFixture) {
  const paths = dataPaths(fixture.state.paths.root);
  const dir = join(paths.images, imageId);
  mkdirSync(dir, { recursive: true });
  fitsPath = join(dir, 'image.fits');
  await writeSkyImage(fitsPath);
  writeSkyCatalog(paths.catalogs, (await astropyWcs(fitsPath, { pixels: SKY_SOURCES.map((s) => [s.x, s.y]) })).sky);
  const groupId = FIXTURE.completed[0]!;
  await fixture.state.log.append(
    groupId,
    [{ type: 'ImageWritten', time: '2026-11-24T01:00:00Z', payload: { groupId, imageId, mode: 'quick', products: { image: fitsPath }, sizePx: SKY.width, cellArcsec: 20, beam: { majorArcsec: 60, minorArcsec: 40, paDeg: 0 } } }],
    'any',
  );
}

beforeAll(async () => {
  dashboard = await openDashboard(recordSkyImage);
  page = await dashboard.browser.context.newPage();
}, 120_000);

afterAll(() => dashboard?.close());

const canvas = () => page.getByTestId('sky-canvas');

/** The page position of a FITS pixel's centre, from the view transform the canvas reports. */
async function pagePointOf(x: number, y: number): Promise<[number, number]> {
  await canvas().scrollIntoViewIfNeeded();
  const box = (await canvas().boundingBox())!;
  const [zoom, ox, oy] = await Promise.all(['data-zoom', 'data-ox', 'data-oy'].map(async (a) => Number(await canvas().getAttribute(a))));
  return [box.x + ox! + zoom! * (x - 0.5), box.y + oy! + zoom! * (SKY.height - y + 0.5)];
}

/** The canvas colour at a FITS pixel's centre. */
async function colourAt(x: number, y: number): Promise<number[]> {
  const box = (await canvas().boundingBox())!;
  const [px, py] = await pagePointOf(x, y);
  const [cx, cy] = [Math.round(px - box.x), Math.round(py - box.y)];
  return page.evaluate<number[]>(`Array.from(document.querySelector('[data-testid="sky-canvas"]').getContext('2d').getImageData(${cx}, ${cy}, 1, 1).data)`);
}

/** Moves the mouse onto a pixel and waits for the read-out of that pixel. */
async function readoutAt(x: number, y: number): Promise<{ raDeg: number; decDeg: number; text: string }> {
  await page.mouse.move(...(await pagePointOf(x, y)));
  const readout = page.getByTestId('readout');
  await expect.poll(async () => [await readout.getAttribute('data-x'), await readout.getAttribute('data-y')], { timeout: 10_000 }).toEqual([String(x), String(y)]);
  return { raDeg: Number(await readout.getAttribute('data-ra-deg')), decDeg: Number(await readout.getAttribute('data-dec-deg')), text: (await readout.textContent()) ?? '' };
}

const brightness = (rgba: number[]) => rgba[0]! + rgba[1]! + rgba[2]!;

describe('the image page in Chromium', () => {
  it('renders the FITS image with its sources bright on a dark sky, and the catalog overlay', async () => {
    expect(DASHBOARD_DIR).toBeTruthy();
    // reached from the group's provenance, as an operator would
    await page.goto(`${dashboard.server.url}/#/groups/${FIXTURE.completed[0]}`);
    await page.locator('[data-step="images"]').getByRole('link', { name: imageId }).click();
    await expect.poll(() => page.evaluate('location.hash')).toBe(`#/images/${imageId}`);
    await expect.poll(() => canvas().count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('overlay').textContent(), { timeout: 10_000 }).toBe('3 catalog sources in the field');
    const [source, sky] = [await colourAt(SKY_SOURCES[1]!.x, SKY_SOURCES[1]!.y), await colourAt(80, 60)];
    // zscale saturates the source at the top of viridis (#fde725); the noise lies well below it
    expect(source).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(brightness(sky)).toBeLessThan(brightness(source) - 150);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'image-viewer.png'), fullPage: true });
  });

  it('reads out the RA/Dec that astropy gives for the pixel under the cursor, zoomed and panned too', async () => {
    const probes: [number, number][] = [
      [57, 83],
      [SKY_SOURCES[0]!.x, SKY_SOURCES[0]!.y],
    ];
    const expected = (await astropyWcs(fitsPath, { pixels: [...probes, [101, 17]] })).sky;
    for (const [i, [x, y]] of probes.entries()) {
      const got = await readoutAt(x, y);
      expect(got.raDeg).toBeCloseTo(expected[i]![0], 9);
      expect(got.decDeg).toBeCloseTo(expected[i]![1], 9);
      expect(got.text).toContain(`${expected[i]![0].toFixed(5)}°, ${expected[i]![1].toFixed(5)}°`);
    }
    const before = Number(await canvas().getAttribute('data-zoom'));
    await page.mouse.move(...(await pagePointOf(101, 17)));
    await page.mouse.wheel(0, -600);
    await expect.poll(async () => Number(await canvas().getAttribute('data-zoom'))).toBeGreaterThan(before * 2);
    const [sx, sy] = await pagePointOf(101, 17);
    await page.mouse.down();
    await page.mouse.move(sx - 40, sy + 25, { steps: 4 });
    await page.mouse.up();
    const zoomed = await readoutAt(101, 17);
    expect(zoomed.raDeg).toBeCloseTo(expected[2]![0], 9);
    expect(zoomed.decDeg).toBeCloseTo(expected[2]![1], 9);
    await page.screenshot({ path: join(SCREENSHOTS, 'image-viewer-zoomed.png'), fullPage: true });
    await page.getByTestId('fit').click();
  });

  it('changes colour map and scale', async () => {
    const at = () => colourAt(SKY_SOURCES[0]!.x, SKY_SOURCES[0]!.y);
    const viridis = await at();
    await page.getByTestId('colour-map').selectOption('grey');
    await expect.poll(at).not.toEqual(viridis);
    const grey = await at();
    expect(new Set(grey.slice(0, 3)).size).toBe(1);
    const noise = await colourAt(80, 60);
    await page.getByTestId('scale').selectOption('linear');
    // zscale spreads the noise over the colour map; between the extremes it is black
    await expect.poll(() => colourAt(80, 60)).not.toEqual(noise);
    expect(brightness(await colourAt(80, 60))).toBeLessThan(brightness(noise));
    // a source's wing (a third of its peak) is brighter under asinh than linear
    const wing = () => colourAt(SKY_SOURCES[1]!.x + 2, SKY_SOURCES[1]!.y);
    const linear = brightness(await wing());
    await page.getByTestId('scale').selectOption('asinh');
    await expect.poll(async () => brightness(await wing())).toBeGreaterThan(linear + 60);
  });
});
