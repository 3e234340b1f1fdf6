/**
 * Runs the `wsclean` executable: its stdout becomes progress fractions, its whole output is kept
 * as a log, a timeout or an abort kills it, and a failure carries WSClean's own reason.
 */
import { spawn } from 'node:child_process';
import { ImageError } from './errors.js';

export interface WscleanRun {
  readonly args: readonly string[];
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number, message: string) => void;
  /** The executable; `wsclean` on the PATH by default. */
  readonly executable?: string;
}

export interface WscleanResult {
  /** stdout and stderr, interleaved as they arrived. */
  readonly log: string;
  readonly seconds: number;
}

/**
 * Where a line of WSClean's output puts the run, as a fraction, or undefined for a line that
 * says nothing about it. Reordering is the first tenth; each major cycle (deconvolution) closes a
 * share of the remaining clean, a cycle count not being known beforehand.
 */
export function progressOfLine(line: string, state: { majorCycles: number }): { fraction: number; message: string } | undefined {
  const reorder = /^Reordering: .*?(\d+)%\s*$/.exec(line);
  if (reorder) return { fraction: 0.1 * (Number(reorder[1]) / 100), message: 'reordering' };
  if (line.includes('== Constructing PSF ==')) return { fraction: 0.12, message: 'constructing the PSF' };
  if (line.includes('== Constructing image ==') && state.majorCycles === 0) return { fraction: 0.2, message: 'dirty image' };
  const deconvolving = /== Deconvolving \((\d+)\) ==/.exec(line);
  if (deconvolving) {
    state.majorCycles = Number(deconvolving[1]);
    return { fraction: 0.25 + 0.65 * (1 - 0.5 ** state.majorCycles), message: `major cycle ${state.majorCycles}` };
  }
  if (line.startsWith('Rendering sources to restored image')) return { fraction: 0.95, message: 'restoring' };
  if (line.startsWith('Writing restored image')) return { fraction: 0.98, message: 'writing the restored image' };
  return undefined;
}

/** WSClean's reason for a failure: its exception text, else its last few lines. */
export function failureReason(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const exception = lines.filter((l) => l.startsWith('+ >>>')).map((l) => l.slice(5).trim());
  if (exception.length > 0) return exception.join('; ');
  const errors = lines.filter((l) => /error|exception|cannot|can't|failed|invalid|not found/i.test(l));
  return (errors.length > 0 ? errors : lines).slice(-3).join(' | ') || 'no output';
}

const KILL_GRACE_MS = 5000;

export function runWsclean(run: WscleanRun): Promise<WscleanResult> {
  const executable = run.executable ?? 'wsclean';
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) {
      reject(new ImageError('aborted', 'WSClean was not started: the run was aborted'));
      return;
    }
    const child = spawn(executable, run.args, { cwd: run.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    const state = { majorCycles: 0 };
    let partial = '';
    let stopReason: ImageError | undefined;

    const onText = (text: string) => {
      chunks.push(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const progress = progressOfLine(line.trim(), state);
        if (progress) run.onProgress?.(progress.fraction, progress.message);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onText);
    child.stderr.setEncoding('utf8').on('data', (text: string) => chunks.push(text));

    const stop = (reason: ImageError) => {
      if (stopReason || child.exitCode !== null) return;
      stopReason = reason;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop(new ImageError('timeout', `WSClean ran longer than ${run.timeoutMs / 1000} s and was killed`)), run.timeoutMs);
    const onAbort = () => stop(new ImageError('aborted', 'WSClean was killed: the run was aborted'));
    run.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (error: Error | undefined) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      const log = chunks.join('');
      if (error) reject(error);
      else resolve({ log, seconds: (performance.now() - started) / 1000 });
    };
    child.on('error', (cause) => {
      finish(new ImageError('wsclean-failed', `cannot run ${executable}: ${cause.message} (is WSClean installed? scripts/bootstrap installs it)`, { cause }));
    });
    child.on('close', (code, signal) => {
      if (stopReason) return finish(stopReason);
      if (code === 0) return finish(undefined);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      finish(new ImageError('wsclean-failed', `WSClean ${how}: ${failureReason(chunks.join(''))}`));
    });
  });
}
