import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realtimeGauge } from '../../src/projections/realtime.js';
import { API_TOKEN, apiFixture, FIXTURE } from '../support/apiState.js';

let fixture: Awaited<ReturnType<typeof apiFixture>>;
beforeAll(async () => {
  fixture = await apiFixture();
});
afterAll(() => fixture.close());

const get = (url: string) => fixture.app.inject({ method: 'GET', url });
const reprocess = (id: string, headers: Record<string, string> = {}, body: object = { fromStage: 'convert', reason: 'new flags' }) =>
  fixture.app.inject({ method: 'POST', url: `/api/v1/groups/${id}/reprocess`, headers, payload: body });
const bearer = { authorization: `Bearer ${API_TOKEN}` };

describe('status', () => {
  it('counts groups per state, the backlog, stage timings and positions', async () => {
    const res = await get('/api/v1/status');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ head: number; projectedThrough: number; projectionLag: number; queue: { counts: Record<string, number>; backlog: number }; stages: unknown[]; realtime: unknown }>();
    expect(body.queue.counts).toMatchObject({ completed: 6, pending: 2, failed: 1, collecting: 1, in_progress: 0 });
    expect(body.queue.backlog).toBe(2);
    expect(body.head).toBe(await fixture.state.log.head());
    expect(body.projectedThrough).toBe(body.head);
    expect(body.projectionLag).toBe(0);
    expect(body.stages).toEqual([expect.objectContaining({ stage: 'convert', runs: 6, failures: 1, meanMs: 4200 })]);
    expect(body.realtime).toEqual({
      groupsInLastHour: 0, // the fixture's groups are older than an hour
      groupsOutLastHour: 0,
      budgetSeconds: expect.closeTo(309.24, 2) as unknown,
      slowestStage: { stage: 'convert', meanSeconds: 4.2 },
      meanSecondsPerGroup: 4.2,
      keepingUp: true,
    });
  });

  it('counts groups in and out over the hour before a given time', () => {
    const gauge = realtimeGauge(fixture.state.readModels.db, new Date('2026-11-24T00:30:00Z'), 3);
    expect(gauge).toMatchObject({ groupsInLastHour: 9, groupsOutLastHour: 6, keepingUp: false });
  });

  it('answers health', async () => {
    expect((await get('/api/v1/health')).json()).toMatchObject({ status: 'ok' });
  });

  it('exposes Prometheus metrics', async () => {
    const res = await get('/api/v1/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('contimg_groups{state="completed"} 6');
    expect(res.body).toContain('contimg_backlog_groups 2');
    expect(res.body).toContain('contimg_projection_lag_events 0');
    expect(res.body).toContain('contimg_stage_failures_total{stage="convert"} 1');
    expect(res.body).toContain('contimg_stage_mean_seconds{stage="convert"} 4.2');
    expect(res.body).toContain('contimg_group_mean_seconds 4.2');
  });

  it('serves the OpenAPI description', async () => {
    const res = await get('/docs/json');
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json<{ paths: object }>().paths)).toEqual(expect.arrayContaining(['/api/v1/groups/{id}/reprocess', '/api/v1/events']));
  });
});

describe('groups', () => {
  it('pages newest first with a cursor', async () => {
    const first = (await get('/api/v1/groups?limit=4')).json<{ groups: { groupId: string }[]; next: string }>();
    expect(first.groups.map((g) => g.groupId)).toEqual([FIXTURE.collecting, FIXTURE.failed, ...FIXTURE.pending.toReversed()]);
    const rest = (await get(`/api/v1/groups?limit=100&before=${first.next}`)).json<{ groups: { groupId: string }[]; next: null }>();
    expect(rest.groups.map((g) => g.groupId)).toEqual(FIXTURE.completed.toReversed());
    expect(rest.next).toBeNull();
  });

  it('filters by state and reports subbands, age and the last error', async () => {
    const collecting = (await get('/api/v1/groups?state=collecting')).json<{ groups: Record<string, unknown>[] }>().groups;
    expect(collecting).toEqual([
      expect.objectContaining({ groupId: FIXTURE.collecting, subbandCount: 2, expectedSubbands: 16, missingSubbands: Array.from({ length: 14 }, (_, i) => i + 2) }),
    ]);
    expect(collecting[0]!['ageSeconds']).toBeGreaterThan(0);
    const failed = (await get('/api/v1/groups?state=failed')).json<{ groups: Record<string, unknown>[] }>().groups;
    expect(failed).toEqual([expect.objectContaining({ groupId: FIXTURE.failed, lastError: 'convert: disk full' })]);
  });

  it('shows one group with its files and stages', async () => {
    const res = await get(`/api/v1/groups/${FIXTURE.completed[0]}`);
    expect(res.statusCode).toBe(200);
    const group = res.json<{ status: string; files: unknown[]; stages: unknown[] }>();
    expect(group.status).toBe('completed');
    expect(group.files).toHaveLength(16);
    expect(group.stages).toEqual([expect.objectContaining({ stage: 'convert', status: 'completed' })]);
    expect(group).not.toHaveProperty('lease');
  });

  it('answers 404 for an unknown group and 400 or 404 for ids that are not group ids', async () => {
    expect((await get('/api/v1/groups/2030-01-01T00:00:00')).json()).toMatchObject({ error: 'GROUP_NOT_FOUND' });
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '..', '%00', "x'%20OR%201=1"]) {
      const res = await get(`/api/v1/groups/${id}`);
      expect([400, 404]).toContain(res.statusCode);
      expect(res.json()).toHaveProperty('message');
    }
  });

  it('rejects bad parameters with a reason', async () => {
    for (const url of ['/api/v1/groups?limit=-1', '/api/v1/groups?state=bogus', '/api/v1/events?after=abc']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json<{ error: string; message: string }>().message.length).toBeGreaterThan(0);
    }
  });
});

describe('events', () => {
  it('reads by sequence range with type and stream filters', async () => {
    const page = (await get('/api/v1/events?after=2&limit=5')).json<{ events: { seq: number }[]; next: number }>();
    expect(page.events.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(page.next).toBe(7);
    const failed = (await get('/api/v1/events?type=StageFailed&limit=1000')).json<{ events: { stream: string }[] }>().events;
    expect(failed.map((e) => e.stream)).toEqual([FIXTURE.failed]);
    const stream = (await get(`/api/v1/events?stream=${FIXTURE.collecting}&limit=1000`)).json<{ events: { type: string }[] }>().events;
    expect(stream.map((e) => e.type)).toEqual(['GroupOpened', 'SubbandArrived', 'SubbandArrived']);
  });
});

describe('reprocess', () => {
  it('needs a configured token, then a valid one', async () => {
    expect((await reprocess(FIXTURE.failed)).statusCode).toBe(401);
    expect((await reprocess(FIXTURE.failed, { authorization: 'Bearer wrong' })).statusCode).toBe(403);
    const unset = await apiFixture({ token: false });
    try {
      const res = await unset.app.inject({
        method: 'POST',
        url: `/api/v1/groups/${FIXTURE.failed}/reprocess`,
        headers: bearer,
        payload: { fromStage: 'convert', reason: 'x' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'API_TOKEN_UNSET' });
    } finally {
      await unset.close();
    }
  });

  it('refuses an illegal transition with the reason, and unknown groups', async () => {
    const res = await reprocess(FIXTURE.pending[0]!, bearer);
    expect(res.statusCode).toBe(409);
    expect(res.json<{ message: string }>().message).toMatch(/not allowed when the group is pending/);
    expect((await reprocess('2030-01-01T00:00:00', bearer)).statusCode).toBe(404);
    expect((await reprocess(FIXTURE.failed, bearer, { fromStage: 'nowhere', reason: 'x' })).statusCode).toBe(400);
  });

  it('returns a failed group to pending through the log', async () => {
    const res = await reprocess(FIXTURE.failed, { ...bearer, 'x-operator': 'alice' });
    expect(res.statusCode).toBe(202);
    const { seq } = res.json<{ seq: number }>();
    const [event] = await fixture.state.log.read({ after: seq - 1, limit: 1 });
    expect(event).toMatchObject({ type: 'ReprocessRequested', stream: FIXTURE.failed, payload: { fromStage: 'convert', operator: 'alice', reason: 'new flags' } });
    await fixture.state.readModels.catchUp(fixture.state.log);
    expect((await get(`/api/v1/groups/${FIXTURE.failed}`)).json()).toMatchObject({ status: 'pending', resumeFrom: 'convert', lastError: null });
  });
});

describe('fuzz', () => {
  it('never answers 5xx to arbitrary query parameters', async () => {
    const value = fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('-1', '0', '1e9', 'NaN', '../..', '\u0000', 'pending', 'GroupReady'));
    const query = fc.dictionary(fc.constantFrom('state', 'limit', 'before', 'after', 'type', 'stream', 'x'), value, { maxKeys: 4 });
    const path = fc.constantFrom('/api/v1/groups', '/api/v1/events', '/api/v1/status', `/api/v1/groups/${FIXTURE.completed[0]}`, '/api/v1/groups/%2e%2e');
    await fc.assert(
      fc.asyncProperty(path, query, async (p, q) => {
        const res = await get(`${p}?${new URLSearchParams(q).toString()}`);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});
