import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_DIR } from '../../src/api/dashboard.js';
import { API_TOKEN, apiFixture } from '../support/apiState.js';
import { launchBrowser } from './browser.js';
import { startServe, type RunningServer } from './serve.js';

export type ApiFixture = Awaited<ReturnType<typeof apiFixture>>;
export type Browser = Awaited<ReturnType<typeof launchBrowser>>;

/** The API fixture's data dir served by `contimg serve`, and a headless Chromium to look at it. */
export interface DashboardSession {
  readonly fixture: ApiFixture;
  readonly server: RunningServer;
  readonly browser: Browser;
  /** Closes the browser, kills the server and removes the data dir. */
  close(): Promise<void>;
}

/**
 * The API fixture, with what `prepare` appends to its log projected, served by `contimg serve`
 * from source, and a browser; whatever started is closed again if a later step fails.
 */
export async function openDashboard(prepare?: (fixture: ApiFixture) => Promise<void>): Promise<DashboardSession> {
  if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) throw new Error(`no dashboard build in ${DASHBOARD_DIR}: run npm run build:web`);
  const fixture = await apiFixture();
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.kill();
    await fixture.close();
  };
  try {
    await prepare?.(fixture);
    await fixture.state.readModels.catchUp(fixture.state.log);
    server = await startServe(fixture.state.paths.root, { CONTIMG_API_TOKEN: API_TOKEN, CONTIMG_EVENT_LOG_SYNCHRONOUS: 'normal' });
    browser = await launchBrowser();
    return { fixture, server, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}
