import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { firstValueFrom, filter } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { eventLogContract } from '../support/eventLogContract.js';
import { collectedGroup, groupId } from '../support/groupEvents.js';

eventLogContract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contimg-log-'));
  const log = new SqliteEventLog(join(dir, 'events.sqlite'));
  return Promise.resolve({
    log,
    async cleanup() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describe('SqliteEventLog', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'contimg-log-'));
    path = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const time = '2026-11-24T08:00:00.000Z';

  it('is append-only in the database itself: UPDATE, DELETE and out-of-order inserts are refused', async () => {
    const log = new SqliteEventLog(path);
    await log.append(groupId(0), collectedGroup(groupId(0), time), 0);
    await log.close();
    const db = new Database(path);
    expect(() => db.prepare("UPDATE events SET payload = '{}' WHERE seq = 1").run()).toThrow(/append-only: UPDATE refused/);
    expect(() => db.prepare('DELETE FROM events WHERE seq = 18').run()).toThrow(/append-only: DELETE refused/);
    const insert = db.prepare(
      "INSERT INTO events (seq, id, stream, stream_version, type, version, time, payload) VALUES (?, ?, 's', ?, 'GroupOpened', 1, 't', '{}')",
    );
    expect(() => insert.run(25, 'gap', 1)).toThrow(/seq must follow/);
    expect(() => insert.run(19, 'skip-version', 2)).toThrow(/stream version must follow/);
    db.close();
  });

  it('keeps its events across reopening', async () => {
    const first = new SqliteEventLog(path);
    await first.append(groupId(0), collectedGroup(groupId(0), time), 0);
    await first.close();
    const second = new SqliteEventLog(path);
    expect(await second.head()).toBe(18);
    expect((await second.readStream(groupId(0))).at(-1)?.type).toBe('GroupReady');
    await second.close();
  });

  it('refuses a file that is not a SQLite database, with a clear message', () => {
    writeFileSync(path, 'SIMPLE  =                    T / this is a FITS file, not a log'.padEnd(8192, ' '));
    expect(() => new SqliteEventLog(path)).toThrow(/is not a contimg event log: it is corrupt or not a SQLite database/);
  });

  it('refuses a foreign SQLite database', () => {
    const db = new Database(path);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    expect(() => new SqliteEventLog(path)).toThrow(/is a SQLite database but not a contimg event log/);
  });

  it('refuses a log written by a newer schema', async () => {
    await new SqliteEventLog(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteEventLog(path)).toThrow(/written by a newer contimg \(log schema 99/);
  });

  it('detects a corrupt log at open', async () => {
    const log = new SqliteEventLog(path);
    for (let i = 0; i < 300; i++) await log.append(groupId(i), collectedGroup(groupId(i), time), 0);
    await log.close();
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expect(() => new SqliteEventLog(path)).toThrow(/corrupt/);
  });

  it('wakes a follower in another process-like connection when the file changes', async () => {
    const writer = new SqliteEventLog(path, { watchOtherProcesses: false });
    const reader = new SqliteEventLog(path);
    const arrived = firstValueFrom(reader.follow(0).pipe(filter((batch) => batch.some((e) => e.seq === 36))));
    await writer.append(groupId(0), collectedGroup(groupId(0), time), 0);
    await writer.append(groupId(1), collectedGroup(groupId(1), time), 0);
    expect((await arrived).at(-1)?.seq).toBe(36);
    await writer.close();
    await reader.close();
  });

  it('keeps the WAL bounded however much is appended, with a reader on another connection', async () => {
    const log = new SqliteEventLog(path, { synchronous: 'normal' });
    const reader = new SqliteEventLog(path, { watchOtherProcesses: false });
    const walSizes: number[] = [];
    let readThrough = 0;
    for (let i = 0; i < 3000; i++) {
      log.appendSync(groupId(i), collectedGroup(groupId(i), time), 0);
      if (i % 100 === 0) {
        walSizes.push(statSync(`${path}-wal`).size);
        readThrough = reader.readSync({ after: readThrough, limit: 5000 }).at(-1)?.seq ?? readThrough;
      }
    }
    expect(log.headSync()).toBe(3000 * 18);
    expect(readThrough).toBeGreaterThan(40_000);
    expect(statSync(path).size).toBeGreaterThan(16 * 1024 * 1024);
    expect(Math.max(...walSizes)).toBeLessThan(8 * 1024 * 1024);
    await reader.close();
    await log.close();
  });
});
