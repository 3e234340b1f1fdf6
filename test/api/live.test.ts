import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { decideForGroup } from '../../src/domain/groupCommands.js';
import type { NewEvent } from '../../src/eventlog/event.js';
import { apiFixture } from '../support/apiState.js';
import { collectedGroup, groupId } from '../support/groupEvents.js';

type Message = { kind: 'event'; event: { seq: number; type: string; stream: string } } | { kind: 'live' | 'heartbeat'; seq: number };

let fixture: Awaited<ReturnType<typeof apiFixture>> | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A client socket with every message it received, recorded from before the upgrade completes. */
async function connect(f: NonNullable<typeof fixture>, query: string) {
  await f.app.ready();
  const messages: Message[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    void f.app
      .injectWS(`/api/v1/ws?${query}`, {}, {
        onInit: (ws) => {
          ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Message));
          ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        },
      })
      .catch(() => undefined);
  });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(done()).toBe(true);
  };
  return { messages, closed, until, seqs: () => messages.flatMap((m) => (m.kind === 'event' ? [m.event.seq] : [])) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('GET /api/v1/ws', () => {
  it('replays exactly the events after the given sequence, then the live tail, without gaps or repeats', async () => {
    fixture = await apiFixture();
    const { log } = fixture.state;
    const head = await log.head();
    const client = await connect(fixture, 'after=5');
    await client.until(() => client.messages.some((m) => m.kind === 'live'));
    expect(client.seqs()).toEqual(range(6, head));
    for (const n of [20, 21]) await decideForGroup(log, groupId(n), () => collectedGroup(groupId(n), '2026-11-24T02:00:00Z'));
    const newHead = await log.head();
    await client.until(() => client.seqs().at(-1) === newHead);
    expect(client.seqs()).toEqual(range(6, newHead));
  });

  it('resumes after a disconnect with exactly the events missed meanwhile', async () => {
    fixture = await apiFixture();
    const { log } = fixture.state;
    const first = await connect(fixture, 'after=0');
    await first.until(() => first.messages.some((m) => m.kind === 'live'));
    const lastSeen = first.seqs().at(-1)!;
    for (const ws of fixture.app.websocketServer.clients) ws.close();
    await first.closed;
    await decideForGroup(log, groupId(30), () => collectedGroup(groupId(30), '2026-11-24T03:00:00Z'));
    const second = await connect(fixture, `after=${lastSeen}`);
    const head = await log.head();
    await second.until(() => second.seqs().at(-1) === head);
    expect([...first.seqs(), ...second.seqs()]).toEqual(range(1, head));
  });

  it('serves every client from one follower of the log, each with exactly what it asked for, joining mid-burst too', async () => {
    fixture = await apiFixture();
    const { log } = fixture.state;
    const follows = vi.spyOn(log, 'follow');
    const head = await log.head();
    const all = await connect(fixture, 'after=0');
    const ready = await connect(fixture, 'after=3&types=GroupReady');
    const one = await connect(fixture, `stream=${groupId(41)}`);
    await Promise.all([all, ready, one].map((c) => c.until(() => c.messages.some((m) => m.kind === 'live'))));
    const burst = [40, 41, 42, 43, 44, 45].map((n) => decideForGroup(log, groupId(n), () => collectedGroup(groupId(n), '2026-11-24T04:00:00Z')));
    // a client arriving while the burst is being appended replays, then joins the shared tail
    const late = await connect(fixture, `after=${head}`);
    await Promise.all(burst);
    const newHead = await log.head();
    await all.until(() => all.seqs().at(-1) === newHead);
    await late.until(() => late.seqs().at(-1) === newHead);
    expect(all.seqs()).toEqual(range(1, newHead));
    expect(late.seqs()).toEqual(range(head + 1, newHead));
    const events = (await log.read({ after: 0, limit: 10_000 })).filter((e) => e.seq > 3);
    await ready.until(() => ready.seqs().length === events.filter((e) => e.type === 'GroupReady').length);
    expect(ready.seqs()).toEqual(events.filter((e) => e.type === 'GroupReady').map((e) => e.seq));
    const ofGroup = events.filter((e) => e.stream === groupId(41) && e.seq > head).map((e) => e.seq);
    await one.until(() => one.seqs().length === ofGroup.length);
    expect(one.seqs()).toEqual(ofGroup);
    expect(follows).toHaveBeenCalledTimes(1);
  });

  it('filters by type and stream, and heartbeats with the position to resume from', async () => {
    fixture = await apiFixture({ heartbeatMs: 20 });
    const head = await fixture.state.log.head();
    const byType = await connect(fixture, 'after=0&types=GroupReady,StageFailed');
    const byStream = await connect(fixture, `after=0&stream=${groupId(9)}`);
    await byType.until(() => byType.messages.some((m) => m.kind === 'heartbeat'));
    await byStream.until(() => byStream.messages.some((m) => m.kind === 'live'));
    const types = byType.messages.flatMap((m) => (m.kind === 'event' ? [m.event.type] : []));
    expect(types.filter((t) => t === 'GroupReady')).toHaveLength(9);
    expect(types.filter((t) => t === 'StageFailed')).toHaveLength(1);
    expect(types).toHaveLength(10);
    expect(byType.messages.find((m) => m.kind === 'heartbeat')).toMatchObject({ seq: head });
    expect(byStream.messages.flatMap((m) => (m.kind === 'event' ? [m.event.stream] : []))).toEqual([groupId(9), groupId(9), groupId(9)]);
  });

  it('refuses bad parameters before upgrading', async () => {
    fixture = await apiFixture();
    await fixture.app.ready();
    await expect(fixture.app.injectWS('/api/v1/ws?after=-1')).rejects.toThrow(/400/);
    await expect(fixture.app.injectWS('/api/v1/ws?types=Bogus')).rejects.toThrow(/400/);
  });

  it('closes every client when the server closes', async () => {
    fixture = await apiFixture();
    const client = await connect(fixture, '');
    await client.until(() => client.messages.some((m) => m.kind === 'live'));
    await fixture.app.close();
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const bound = 256 * 1024;
    fixture = await apiFixture({ maxBufferedBytes: bound });
    const { app, state } = fixture;
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new WebSocket(`${url.replace('http', 'ws')}/api/v1/ws`);
    let received = 0;
    client.on('message', () => received++);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => client.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise((resolve) => client.once('message', resolve));
    client.pause();

    // ~12 kB per event, 48 MB in all: far more than the kernel's socket buffers and the bound.
    const big = 'x'.repeat(4000);
    const burst = 4000;
    for (let i = 0; i < burst / 100; i++) {
      const events = Array.from({ length: 100 }, (): NewEvent => ({
        type: 'FileQuarantined',
        time: '2026-11-24T03:00:00Z',
        payload: { path: `/incoming/${big}`, quarantinePath: `/quarantine/${big}`, reason: big },
      }));
      await state.log.append('quarantine', events, 'any');
      await new Promise((r) => setImmediate(r));
    }
    const [serverSide] = app.websocketServer.clients;
    for (let i = 0; i < 500 && serverSide?.readyState === WebSocket.OPEN; i++) await new Promise((r) => setTimeout(r, 10));
    expect(serverSide?.readyState).not.toBe(WebSocket.OPEN);
    // What stays buffered is the bound plus the batch that crossed it, not the burst.
    expect(serverSide?.bufferedAmount ?? 0).toBeLessThan(bound + 2 * 100 * 13_000);

    client.resume();
    const { code, reason } = await closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/^slow client: .* reconnect with after=\d+$/);
    expect(received).toBeLessThan(burst);
  });
});
