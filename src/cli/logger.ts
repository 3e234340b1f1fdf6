import { pino, type Logger } from 'pino';

/** The root logger: to stderr (stdout is for command output), pretty on a terminal, JSON otherwise. */
export function createLogger(level: string): Logger {
  if (process.stderr.isTTY) {
    return pino({ level }, pino.transport({ target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } }));
  }
  return pino({ level }, pino.destination(2));
}
