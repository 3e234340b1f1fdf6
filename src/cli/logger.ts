import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** The root logger: to stderr (stdout is for command output), pretty on a terminal, JSON otherwise. */
export function createLogger(level: string): Logger {
  if (process.stderr.isTTY) {
    return pino({ level }, pino.transport({ target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } }));
  }
  return pino({ level }, pino.destination(2));
}

/** The logger of a run drawn as a live view: JSON to `file`, warnings and errors also to `recent`. */
export function createFileLogger(level: string, file: string, recent: Writable): Logger {
  return pino({ level }, pino.multistream([{ level, stream: pino.destination({ dest: file, mkdir: true, append: true }) }, { level: 'warn', stream: recent }]));
}
