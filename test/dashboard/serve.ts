import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Kills the server outright (SIGKILL), as a crash would, and waits for it to be gone. */
  kill(): Promise<void>;
}

/** `contimg serve --data DIR --port P` from source, as an operator runs it; resolves once it listens. */
export function startServe(dataDir: string, env: Record<string, string>, port = 0): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data', dataDir, '--port', String(port), '--log-level', 'info'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`contimg serve did not start within 60 s:\n${lines.join('\n')}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`contimg serve exited with ${code}:\n${lines.join('\n')}`));
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines.push(line);
      const record = (() => {
        try {
          return JSON.parse(line) as { msg?: string; url?: string };
        } catch {
          return null;
        }
      })();
      if (record?.msg === 'contimg API listening' && record.url) {
        clearTimeout(timer);
        resolve({ url: record.url, port: Number(new URL(record.url).port), child, kill });
      }
    });
  });
}
