import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboard, DASHBOARD_DIR } from '../../src/api/dashboard.js';
import { apiFixture } from '../support/apiState.js';

let fixture: Awaited<ReturnType<typeof apiFixture>>;
beforeAll(async () => {
  fixture = await apiFixture();
});
afterAll(() => fixture.close());
const get = (url: string) => fixture.app.inject({ method: 'GET', url });

describe('the dashboard served by the API server', () => {
  it('is built (npm run build:web)', () => {
    expect(readdirSync(DASHBOARD_DIR), `no dashboard build in ${DASHBOARD_DIR}: run npm run build:web`).toContain('index.html');
  });

  it('serves index.html at / with a content security policy, and hashed assets as immutable', async () => {
    const index = await get('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['cache-control']).toBe('no-cache');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();
    const asset = await get(script!);
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('leaves the API and its errors as they were, and serves nothing outside the build', async () => {
    expect((await get('/api/v1/health')).json()).toMatchObject({ status: 'ok' });
    expect((await get('/api/v1/nowhere')).json()).toMatchObject({ error: 'NOT_FOUND' });
    for (const url of ['/package.json', '/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/src/main.tsx']) {
      expect((await get(url)).statusCode, url).toBe(404);
    }
  });

  it('says how to build it when there is no build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'contimg-noweb-'));
    const app = Fastify();
    await app.register(dashboard, { root: empty });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
    await app.close();
    rmSync(empty, { recursive: true });
  });
});
