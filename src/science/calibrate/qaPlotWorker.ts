/**
 * Worker-thread entry of the QA plots (qaPlots.ts starts it): draws every table of `workerData`
 * (QaPlotJob[]) in order and posts back their SVGs (QaPlotSvg[][]), so Vega's seconds of
 * rendering never block the main thread's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { drawQaPlots, type QaPlotJob, type QaPlotSvg } from './qaPlotDraw.js';

const svgs: QaPlotSvg[][] = [];
for (const job of workerData as QaPlotJob[]) svgs.push(await drawQaPlots(job));
parentPort!.postMessage(svgs);
