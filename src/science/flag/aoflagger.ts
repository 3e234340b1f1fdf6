/** AOFlagger (the Debian program) run on a MeasurementSet as a child process. */
import { execFile } from 'node:child_process';

export interface AoflaggerOptions {
  /** The program (default `aoflagger` on the PATH). */
  readonly program?: string;
  /** A Lua strategy file; default: AOFlagger's choice for the telescope (its generic strategy for DSA_110). */
  readonly strategy?: string;
  /** Threads (-j); default: AOFlagger's (all cores). */
  readonly threads?: number;
  readonly signal?: AbortSignal;
}

export class AoflaggerError extends Error {
  override readonly name = 'AoflaggerError';
  readonly code = 'EAOFLAGGER';
}

const TAIL_LINES = 15;

/** Runs AOFlagger on `msPath` (it rewrites FLAG of the cross-correlations); resolves with its output. */
export function runAoflagger(msPath: string, options: AoflaggerOptions = {}): Promise<string> {
  const program = options.program ?? 'aoflagger';
  const args = [
    ...(options.strategy !== undefined ? ['-strategy', options.strategy] : []),
    ...(options.threads !== undefined ? ['-j', String(options.threads)] : []),
    msPath,
  ];
  return new Promise((resolve, reject) => {
    execFile(program, args, { maxBuffer: 64 * 1024 * 1024, ...(options.signal && { signal: options.signal }) }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      const output = `${stdout}${stderr}`.trim().split('\n').slice(-TAIL_LINES).join('\n');
      const how = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${program} is not installed (Debian package aoflagger)` : `exit ${String(error.code ?? error.signal)}`;
      reject(new AoflaggerError(`${program} ${args.join(' ')}: ${how}${output ? `\n${output}` : ''}`, { cause: error }));
    });
  });
}
