import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const ORACLES = fileURLToPath(new URL('../oracles/', import.meta.url));

/** Run the reference-oracle script test/oracles/<script> in the project virtualenv; resolves with its stdout. */
export function runOracle(script: string, args: string[]): Promise<string> {
  if (!existsSync(PYTHON)) {
    return Promise.reject(new Error(`reference-oracle virtualenv missing (${PYTHON}): run scripts/bootstrap`));
  }
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [ORACLES + script, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const argv = [script, ...args].join(' ');
        reject(new Error(`reference oracle failed: ${argv} (${error.code ?? error.signal})\n${stderr}`, { cause: error }));
      } else {
        resolve(stdout);
      }
    });
  });
}
