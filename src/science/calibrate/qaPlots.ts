/**
 * The QA plots of calibration tables (qaPlotDraw.ts), drawn in a worker thread (qaPlotWorker.ts)
 * and written beside each table as `<table>.<key>.svg`. Only reading the tables and writing the
 * files happen here, both asynchronous, so the event loop stays free while Vega renders.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { calReadTable } from '../../../native/index.js';
import type { CaltableKind } from './calibrate.js';
import { hasQaPlots, type QaPlotJob, type QaPlotSvg } from './qaPlotDraw.js';

export { drawQaPlots, renderSvg, type QaPlotJob, type QaPlotKey, type QaPlotSvg } from './qaPlotDraw.js';

const WORKER = new URL(import.meta.url.endsWith('.ts') ? './qaPlotWorker.ts' : './qaPlotWorker.js', import.meta.url);

/**
 * The built JavaScript worker runs as it is. Run from the TypeScript sources (tsx, vitest), the
 * worker first registers tsx's loader in its own thread: a worker does not inherit the loader
 * hooks of the thread that starts it.
 */
function startWorker(jobs: readonly QaPlotJob[]): Worker {
  if (!WORKER.pathname.endsWith('.ts')) return new Worker(WORKER, { workerData: jobs });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: jobs });
}

/** The SVGs of every job, drawn in a worker thread, in the jobs' order. */
function drawInWorker(jobs: readonly QaPlotJob[]): Promise<QaPlotSvg[][]> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(jobs);
    worker.once('message', (svgs: QaPlotSvg[][]) => {
      resolve(svgs);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the QA plot worker stopped (exit code ${code}) before it drew the plots`)));
  });
}

/**
 * Draws each table's QA plots beside it (`<table>.<key>.svg`) and returns their paths by key, per
 * table in the order given: `bandpass-amplitude`, `bandpass-phase` for a bandpass,
 * `gain-amplitude`, `gain-phase` for gains, none for delays.
 */
export async function writeQaPlots(tables: readonly { readonly path: string; readonly kind: CaltableKind }[]): Promise<Record<string, string>[]> {
  const plotted = tables.filter((t) => hasQaPlots(t.kind));
  const jobs = await Promise.all(plotted.map(async (t): Promise<QaPlotJob> => ({ name: basename(t.path), kind: t.kind, contents: await calReadTable(t.path) })));
  const svgs = jobs.length > 0 ? await drawInWorker(jobs) : [];
  const artifacts = new Map<string, Record<string, string>>();
  for (const [i, table] of plotted.entries()) {
    const paths: Record<string, string> = {};
    for (const { key, svg } of svgs[i]!) {
      paths[key] = `${table.path}.${key}.svg`;
      await writeFile(paths[key], svg);
    }
    artifacts.set(table.path, paths);
  }
  return tables.map((t) => artifacts.get(t.path) ?? {});
}
