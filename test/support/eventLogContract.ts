import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, InvalidEventError, UnknownEventError } from '../../src/eventlog/errors.js';
import type { NewEvent } from '../../src/eventlog/event.js';
import type { EventLog } from '../../src/eventlog/eventLog.js';
import { collectedGroup, groupId } from './groupEvents.js';

export interface LogUnderTest {
  readonly log: EventLog;
  cleanup(): Promise<void>;
}

/** The promises every EventLog implementation keeps; each implementation's spec calls this. */
export function eventLogContract(name: string, open: () => Promise<LogUnderTest>): void {
  describe(`EventLog contract: ${name}`, () => {
    let subject: LogUnderTest;
    let log: EventLog;
    beforeEach(async () => {
      subject = await open();
      log = subject.log;
    });
    afterEach(async () => subject.cleanup());

    const time = '2026-11-24T08:00:00.000Z';

    it('appends a batch atomically and reads it back in order with a global seq and stream versions', async () => {
      const a = await log.append(groupId(0), collectedGroup(groupId(0), time), 0);
      const b = await log.append(groupId(1), collectedGroup(groupId(1), time), 0);
      expect([a.firstSeq, a.lastSeq, a.streamVersion]).toEqual([1, 18, 18]);
      expect([b.firstSeq, b.lastSeq]).toEqual([19, 36]);
      const all = await log.read({ after: 0, limit: 1000 });
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
      expect(all[18]).toMatchObject({ stream: groupId(1), streamVersion: 1, type: 'GroupOpened', version: 1, time });
      expect(await log.head()).toBe(36);
      const stream = await log.readStream(groupId(1));
      expect(stream.map((e) => e.streamVersion)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
      expect(stream.map((e) => e.type)).toEqual(collectedGroup(groupId(1), time).map((e) => e.type));
    });

    it('pages with after, limit and until', async () => {
      await log.append(groupId(0), collectedGroup(groupId(0), time), 0);
      expect((await log.read({ after: 5, limit: 3 })).map((e) => e.seq)).toEqual([6, 7, 8]);
      expect((await log.read({ after: 15, limit: 100, until: 17 })).map((e) => e.seq)).toEqual([16, 17]);
      expect(await log.read({ after: 18, limit: 10 })).toEqual([]);
    });

    it('rejects an append based on a stale stream version and writes nothing', async () => {
      const [opened, ...rest] = collectedGroup(groupId(0), time);
      await log.append(groupId(0), [opened!], 0);
      await expect(log.append(groupId(0), rest, 0)).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(log.append(groupId(0), rest, 0)).rejects.toThrow(`stream "${groupId(0)}" is at version 1, expected 0`);
      expect(await log.head()).toBe(1);
      await log.append(groupId(0), rest, 1);
      await log.append(groupId(0), [{ type: 'GroupClaimed', time, payload: { groupId: groupId(0), workerId: 'w1', leaseExpiresAt: time, attempt: 1 } }], 'any');
      expect(await log.head()).toBe(19);
    });

    it('rejects a batch with one malformed or unknown event whole, with a reason', async () => {
      const good = collectedGroup(groupId(0), time);
      const badPayload = { type: 'SubbandArrived', time, payload: { groupId: groupId(0), subband: -1, path: 'x', sizeBytes: 1, mtime: time } } as unknown as NewEvent;
      await expect(log.append(groupId(0), [...good.slice(0, 3), badPayload], 0)).rejects.toThrow(/SubbandArrived\) has an invalid payload: \/subband/);
      await expect(log.append(groupId(0), [{ ...good[0]!, type: 'Nonsense' } as unknown as NewEvent], 0)).rejects.toBeInstanceOf(UnknownEventError);
      const extraField = { ...good[0]!, payload: { ...good[0]!.payload, sneaky: 1 } } as unknown as NewEvent;
      await expect(log.append(groupId(0), [extraField], 0)).rejects.toBeInstanceOf(InvalidEventError);
      await expect(log.append(groupId(0), [{ ...good[0]!, time: 'yesterday' }], 0)).rejects.toThrow(/ISO 8601 time/);
      await expect(log.append('bad stream/../id', good, 0)).rejects.toThrow(/invalid stream id/);
      await expect(log.append(groupId(0), [], 0)).rejects.toThrow(/empty batch/);
      expect(await log.head()).toBe(0);
    });

    it('refuses to append an event id twice', async () => {
      const [opened] = collectedGroup(groupId(0), time);
      await log.append(groupId(0), [{ ...opened!, id: 'convert:2026-11-24T00:00:00:1' }], 0);
      await expect(log.append(groupId(1), [{ ...opened!, id: 'convert:2026-11-24T00:00:00:1' }], 0)).rejects.toMatchObject({ code: 'EVENT_DUPLICATE_ID' });
      expect(await log.head()).toBe(1);
    });

    it('follows: replays what is there, then tails new appends without gaps or repeats', async () => {
      await log.append(groupId(0), collectedGroup(groupId(0), time), 0);
      const seen = firstValueFrom(log.follow(10).pipe(take(3), toArray()));
      await log.append(groupId(1), collectedGroup(groupId(1), time), 0);
      await log.append(groupId(2), collectedGroup(groupId(2), time), 0);
      const seqs = (await seen).flat().map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 54 - 10 }, (_, i) => i + 11));
    });
  });
}
