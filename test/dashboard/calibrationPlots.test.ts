import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/config/paths.js';
import { FIXTURE } from '../support/apiState.js';
import { openDashboard, type ApiFixture, type DashboardSession } from './session.js';

const SCREENSHOTS = join(tmpdir(), 'contimg-dashboard-screenshots');
const plot = (colour: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160"><rect width="320" height="160" fill="${colour}"/></svg>`;

let dashboard: DashboardSession;
const groupId = FIXTURE.completed[1]!;

/** The group's bandpass and gain tables, each with its two plots. */
async function registerActiveSet(fixture: ApiFixture) {
  const caltables = dataPaths(fixture.state.paths.root).caltables;
  mkdirSync(caltables, { recursive: true });
  const artifactsOf = (kind: 'BP' | 'G') =>
    Object.fromEntries(
      (kind === 'BP' ? ['bandpass-amplitude', 'bandpass-phase'] : ['gain-amplitude', 'gain-phase']).map((key, i) => {
        const path = join(caltables, `${groupId}_${kind}.${key}.svg`);
        writeFileSync(path, plot(i === 0 ? '#2f81f7' : '#3fb950'));
        return [key, path];
      }),
    );
  // valid from now for a day: the set is the active one
  const nowMjd = Date.now() / 86_400_000 + 40587;
  await fixture.state.log.append(
    groupId,
    (['BP', 'G'] as const).map((kind) => ({
      type: 'CaltableRegistered' as const,
      time: new Date().toISOString(),
      payload: { groupId, caltableId: `${groupId}-${kind}`, kind, path: join(caltables, `${groupId}_${kind}`), validFromMjd: nowMjd - 0.1, validToMjd: nowMjd + 1, refAntenna: 'DSA-010', medianSnr: 40, flaggedFraction: 0.02, artifacts: artifactsOf(kind) },
    })),
    'any',
  );
}

beforeAll(async () => {
  dashboard = await openDashboard(registerActiveSet);
}, 120_000);

afterAll(() => dashboard?.close());

describe('the calibration panel in Chromium', () => {
  it("shows the active set's bandpass and gain plots", async () => {
    const page = await dashboard.browser.context.newPage();
    await page.goto(`${dashboard.server.url}/#/calibration`);
    const plots = page.getByTestId('caltable-plot');
    await expect.poll(() => plots.count(), { timeout: 20_000 }).toBe(4);
    expect(await Promise.all((await plots.all()).map((p) => p.getAttribute('data-key')))).toEqual(['bandpass-amplitude', 'bandpass-phase', 'gain-amplitude', 'gain-phase']);
    // every plot loaded and decoded (a broken image has no natural width)
    await expect.poll(() => page.evaluate<number[]>(`Array.from(document.querySelectorAll('[data-testid="caltable-plot"]'), (img) => img.naturalWidth)`)).toEqual([320, 320, 320, 320]);
    expect(await page.getByRole('heading', { name: /Solutions of the set from/ }).textContent()).toContain('(active now)');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'calibration-plots.png'), fullPage: true });
  });
});
