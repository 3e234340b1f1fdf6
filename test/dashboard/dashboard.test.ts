import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/api/dashboard.js';
import { decideForGroup } from '../../src/domain/groupCommands.js';
import type { GroupEvent } from '../../src/domain/groupLifecycle.js';
import { listGroups } from '../../src/projections/groupQueries.js';
import { queueSummary } from '../../src/projections/groupQueue.js';
import { realtimeGauge } from '../../src/projections/realtime.js';
import { stageTimings } from '../../src/projections/stageMetrics.js';
import { GROUP_CADENCE_S } from '../../src/science/simulate/layout.js';
import { API_TOKEN, apiFixture, FIXTURE } from '../support/apiState.js';
import { collectedGroup, groupId } from '../support/groupEvents.js';
import { launchBrowser } from './browser.js';
import { startServe, type RunningServer } from './serve.js';

/** Screenshots are kept here as test artifacts. */
const SCREENSHOTS = join(tmpdir(), 'contimg-dashboard-screenshots');

let fixture: Awaited<ReturnType<typeof apiFixture>>;
let server: RunningServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const env = { CONTIMG_API_TOKEN: API_TOKEN, CONTIMG_EVENT_LOG_SYNCHRONOUS: 'normal' };

beforeAll(async () => {
  if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) throw new Error(`no dashboard build in ${DASHBOARD_DIR}: run npm run build:web`);
  fixture = await apiFixture();
  server = await startServe(fixture.state.paths.root, env);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  // A marker that a reload would lose: every update below must arrive without one.
  await page.evaluate('window.marker = 42');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.kill();
  await fixture?.close();
});

const append = (id: string, events: readonly GroupEvent[]) => decideForGroup(fixture.state.log, id, () => events);
const text = (testId: string) => page.getByTestId(testId).first().textContent();
const cardValue = (label: string) => page.getByTestId(`count-${label}`).locator('.value').textContent();
const notReloaded = () => page.evaluate('window.marker');
/** What the read models say now, after folding everything in the log. */
async function readModels() {
  await fixture.state.readModels.catchUp(fixture.state.log);
  const { db } = fixture.state.readModels;
  return { queue: queueSummary(db), stages: stageTimings(db), collecting: listGroups(db, { state: 'collecting', limit: 100 }).groups };
}

describe('the dashboard in Chromium', () => {
  it('shows the queue counts and stage figures the read models hold, live', async () => {
    await expect.poll(() => page.getByTestId('freshness').getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    const { queue, stages } = await readModels();
    expect(await cardValue('collecting')).toBe(String(queue.counts.collecting));
    expect(await cardValue('pending')).toBe(String(queue.counts.pending));
    expect(await cardValue('completed')).toBe(String(queue.counts.completed));
    expect(await cardValue('failed')).toBe(String(queue.counts.failed));
    expect(await cardValue('backlog')).toBe(String(queue.backlog));
    const convert = stages.find((s) => s.stage === 'convert')!;
    expect(await text('runs-convert')).toBe(String(convert.runs));
    expect(await text('failures-convert')).toBe(String(convert.failures));
    expect(await text('runs-image')).toBe('0');
    const gauge = realtimeGauge(fixture.state.readModels.db, new Date(), GROUP_CADENCE_S);
    expect(await cardValue('in-last-hour')).toBe(String(gauge.groupsInLastHour));
    expect(await cardValue('out-last-hour')).toBe(String(gauge.groupsOutLastHour));
    expect(await text('keeping-up')).toBe('Keeping up');
    expect(await text('gauge')).toContain(`the slowest stage (convert, mean ${(convert.meanMs! / 1000).toFixed(1)} s) against the ${GROUP_CADENCE_S.toFixed(2)} s between groups`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, 'pipeline.png'), fullPage: true });
  });

  it('lists collecting groups with n/16, the missing subbands and the age', async () => {
    await page.getByRole('link', { name: 'Ingest' }).click();
    const { collecting } = await readModels();
    const rows = page.getByTestId('ingest-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(collecting.length);
    const row = page.locator(`tr[data-group="${FIXTURE.collecting}"]`);
    expect(await row.locator('.subbands .count').textContent()).toBe(`${collecting[0]!.subbandCount}/16`);
    expect(await row.getByTestId('missing').textContent()).toBe('2–15');
    expect(await row.locator('td').nth(4).textContent()).toMatch(/^\d+(\.\d)? (s|min|h|d)$/);
    expect(await page.getByTestId('tab-collecting').textContent()).toBe('collecting 1');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, 'ingest.png'), fullPage: true });
  });

  it('follows new events without a reload: a group opens, fills and leaves collecting', async () => {
    const id = groupId(40);
    const full = collectedGroup(id, new Date().toISOString());
    await append(id, full.slice(0, 4)); // opened, subbands 0-2
    const row = page.locator(`tr[data-group="${id}"]`);
    await expect.poll(() => row.locator('.subbands .count').textContent(), { timeout: 15_000 }).toBe('3/16');
    expect(await row.getByTestId('missing').textContent()).toBe('3–15');
    expect(await page.getByTestId('tab-collecting').textContent()).toBe('collecting 2');

    await append(id, full.slice(4));
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    expect(await page.getByTestId('tab-pending').textContent()).toBe(`pending ${(await readModels()).queue.counts.pending}`);
    expect(await notReloaded()).toBe(42);
  });

  it('shows a group moving through a stage on the pipeline view', async () => {
    await page.getByRole('link', { name: 'Pipeline' }).click();
    const id = FIXTURE.pending[0]!;
    const time = new Date().toISOString();
    const stage = { groupId: id, stage: 'convert' as const, attempt: 1 };
    await append(id, [
      { type: 'GroupClaimed', time, payload: { groupId: id, workerId: 'worker-2', leaseExpiresAt: time, attempt: 1 } },
      { type: 'ProcessingStarted', time, payload: { groupId: id, mode: 'fresh', fromStage: 'convert' } },
      { type: 'StageStarted', time, payload: stage },
      { type: 'StageProgress', time, payload: { groupId: id, stage: 'convert', fraction: 0.5 } },
    ]);
    const row = page.getByTestId('active-groups').locator('tr', { hasText: id });
    await expect.poll(() => row.locator('td').nth(2).textContent(), { timeout: 15_000 }).toBe('convert');
    expect(await text('running-convert')).toBe('1');
    expect(await cardValue('in-progress')).toBe('1');
    expect(await row.locator('progress').getAttribute('value')).toBe('0.5');

    const completed = Number(await cardValue('completed'));
    await append(id, [
      { type: 'StageCompleted', time, payload: { ...stage, durationMs: 6000 } },
      { type: 'GroupProcessed', time, payload: { groupId: id } },
    ]);
    await expect.poll(() => cardValue('completed'), { timeout: 15_000 }).toBe(String(completed + 1));
    await page.getByTestId('no-active').waitFor();
    await expect.poll(() => cardValue('out-last-hour')).toBe('1');
    const { queue, stages } = await readModels();
    expect(await cardValue('pending')).toBe(String(queue.counts.pending));
    expect(await text('runs-convert')).toBe(String(stages.find((s) => s.stage === 'convert')!.runs));
    expect(await text('running-convert')).toBe('0');
    expect(await notReloaded()).toBe(42);
  });

  it('shows reconnecting while the server is down, then resumes with what happened meanwhile', async () => {
    const port = server.port;
    await server.kill();
    await expect.poll(() => page.getByTestId('freshness').getAttribute('data-state'), { timeout: 15_000 }).toBe('reconnecting');
    expect(await text('freshness')).toMatch(/reconnecting in \d+ s .* data as of/);

    const id = groupId(41);
    await append(id, collectedGroup(id, new Date().toISOString()).slice(0, 6)); // 5 subbands while the server is down
    server = await startServe(fixture.state.paths.root, env, port);
    await expect.poll(() => page.getByTestId('freshness').getAttribute('data-state'), { timeout: 40_000 }).toBe('live');
    await page.getByRole('link', { name: 'Ingest' }).click();
    await expect.poll(() => page.locator(`tr[data-group="${id}"] .subbands .count`).textContent(), { timeout: 15_000 }).toBe('5/16');
    expect(await notReloaded()).toBe(42);
  }, 120_000);

  it('opens a group page with its files, stage runs, events and provenance, and reprocesses it with a token', async () => {
    await page.getByRole('link', { name: 'Ingest' }).click();
    await page.getByTestId('tab-failed').click();
    await page.getByRole('link', { name: FIXTURE.failed }).click();
    await page.getByTestId('group-page').waitFor();
    const history = (await fixture.state.log.read({ after: 0, limit: 10_000 })).filter((e) => e.stream === FIXTURE.failed);
    await expect.poll(() => page.getByTestId('group-events').locator('tbody tr').count()).toBe(history.length);
    expect(await page.getByTestId('files').locator('tbody tr').count()).toBe(16);
    expect(await page.getByTestId('stage-runs').textContent()).toContain('disk full');
    expect(await page.locator('[data-step="raw files"] .value').textContent()).toMatch(/^16 subband files/);
    expect(await page.locator('[data-step="measurement set"] .value').textContent()).toBe('not yet');

    const form = page.getByTestId('reprocess');
    await form.getByRole('combobox').selectOption('convert');
    await form.locator('input').nth(0).fill('disk replaced');
    await form.locator('input').nth(1).fill('night-shift');
    await form.locator('input[type=password]').fill('not-the-token-at-all');
    await form.getByRole('button', { name: 'Reprocess' }).click();
    await expect.poll(() => form.locator('.bad').textContent()).toBe('the token is not valid');

    await form.locator('input[type=password]').fill(API_TOKEN);
    await form.getByRole('button', { name: 'Reprocess' }).click();
    await expect.poll(() => form.locator('.ok').textContent()).toMatch(/^requested by night-shift \(event \d+\)$/);
    // The operator's event reaches the page through the group's live stream.
    await expect.poll(() => page.getByTestId('group-events').locator('tr[data-type="ReprocessRequested"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.evaluate("sessionStorage.getItem('contimg.apiToken')")).toBe(API_TOKEN);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, 'group.png'), fullPage: true });
    expect(await notReloaded()).toBe(42);
  });

  it('filters the live event feed by type and by group', async () => {
    await page.getByRole('link', { name: 'Events' }).click();
    const all = await fixture.state.log.read({ after: 0, limit: 10_000 });
    const rows = page.getByTestId('event-feed').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(all.length);
    expect(Number(await rows.first().getAttribute('data-seq'))).toBe(all.at(-1)!.seq);

    await page.getByTestId('filter-type').selectOption('GroupReady');
    expect(await rows.count()).toBe(all.filter((e) => e.type === 'GroupReady').length);
    const types = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-type')));
    expect(new Set(types)).toEqual(new Set(['GroupReady']));

    await page.getByTestId('filter-type').selectOption('');
    await page.getByTestId('filter-group').fill(FIXTURE.collecting);
    expect(await rows.count()).toBe(all.filter((e) => e.stream === FIXTURE.collecting).length);
  });

  it('lists images as the imaging stage writes them, and says plainly what does not exist yet', async () => {
    await page.getByRole('link', { name: 'Images' }).click();
    expect(await text('no-images')).toBe('No images yet: the imaging stage has not written any.');

    const id = FIXTURE.completed[0]!;
    const imageId = `${id}-quick`;
    const beam = { majorArcsec: 12.5, minorArcsec: 10, paDeg: 30 };
    const time = new Date().toISOString();
    await fixture.state.log.append(id, [{ type: 'ImageWritten', time, payload: { groupId: id, imageId, mode: 'quick', products: { fits: `/images/${imageId}.fits` }, sizePx: 512, cellArcsec: 3, beam } }], 'any');
    const row = page.locator(`tr[data-image="${imageId}"]`);
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.textContent()).toContain('not assessed');
    await fixture.state.log.append(
      id,
      [{ type: 'ImageQaMeasured', time, payload: { groupId: id, imageId, rmsJy: 0.00042, peakJy: 1.2, dynamicRange: 2857, beam, sourceCount: 31, grade: 'good', issues: [] } }],
      'any',
    );
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 15_000 }).toBe('good');
    expect(await row.textContent()).toContain('0.420');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, 'images.png'), fullPage: true });

    await page.getByRole('link', { name: 'Calibration' }).click();
    expect(await text('no-caltables')).toBe('No calibration tables yet: the solve stage has not registered any.');
    await expect.poll(() => text('active-calibration')).toMatch(/^no complete calibration set within/);
    await page.getByRole('link', { name: 'Sources' }).click();
    expect(await text('no-sources')).toContain('forced photometry has measured none yet');
    expect(await notReloaded()).toBe(42);
  });
});
