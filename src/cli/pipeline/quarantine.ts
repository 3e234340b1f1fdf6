import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EventLogError } from '../../eventlog/errors.js';
import type { EventLog } from '../../eventlog/eventLog.js';
import type { ArrivedFile } from '../../domain/ingest.js';

/**
 * Records why a file is refused, then moves it out of the incoming directory into the quarantine
 * directory (never overwriting: a clash gets a numbered suffix). The event's id is derived from
 * the file, so quarantining the same file again after a crash does not record it twice.
 */
export async function quarantineFile(log: EventLog, quarantineDir: string, file: ArrivedFile, reason: string, time: string): Promise<string> {
  await mkdir(quarantineDir, { recursive: true });
  const target = freeName(join(quarantineDir, basename(file.path)));
  const id = `quarantine-${createHash('sha256').update(`${file.path}\0${file.sizeBytes}\0${file.mtimeMs}`).digest('hex').slice(0, 32)}`;
  try {
    await log.append('quarantine', [{ type: 'FileQuarantined', id, time, payload: { path: file.path, quarantinePath: target, reason } }], 'any');
  } catch (err) {
    if (!(err instanceof EventLogError && err.code === 'EVENT_DUPLICATE_ID')) throw err;
  }
  await move(file.path, target);
  return target;
}

function freeName(path: string): string {
  let candidate = path;
  for (let n = 1; existsSync(candidate); n++) candidate = `${path}.${n}`;
  return candidate;
}

async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
