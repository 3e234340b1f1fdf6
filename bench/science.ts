/**
 * The science steps on one full-size image: source finding (background/rms mesh, islands,
 * Gaussian fits) and the crossmatch stage (finding + matching against the catalog database), each
 * timed over several runs (medians). The image is simulated at the real full-mode size (3052² px
 * of 4.129″, the DSA-110 beam, 7 mJy noise): the DSA-110 sources in the field at their catalog
 * fluxes plus a random population up to ~200 sources; or `--image=FILE`, e.g. a real WSClean
 * pbcor. The DSA-110 list is the imported catalog. Each step is one entry of STEPS: a new science
 * step (forced photometry) is one more entry.
 *
 *   npm run bench -- science [--reps=N] [--image=FILE] [--sources=N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { dataPaths, type DataPaths } from '../src/config/paths.js';
import type { DomainEvent } from '../src/eventlog/event.js';
import { DEFAULT_DSA110_SOURCES, readDsa110Sources } from '../src/science/catalogs/dsa110Sources.js';
import { findSources } from '../src/science/sources/index.js';
import { crossmatchStage } from '../src/stages/crossmatch.js';
import type { StageContext } from '../src/stages/stage.js';
import { skyToPixels } from '../src/science/sources/skyFrame.js';
import { DSA110_BEAM, DSA110_CELL_ARCSEC, randomSky, simulatedFrame, writeSimulatedImage } from '../test/science/sources/simulatedImage.js';
import { importCatalogFile } from '../test/support/catalogFile.js';
import { intArg, measure, printTable, type Row } from './support.js';

const FULL_SIZE_PX = 3052;
const RMS_JY = 0.007;
const GROUP_ID = '2026-01-25T22:37:04';
const GRID = { size: FULL_SIZE_PX, cellArcsec: DSA110_CELL_ARCSEC, centreRaDeg: 346.07, centreDecDeg: 16.15, beam: DSA110_BEAM };

/** What every step gets: the image and a data directory whose catalog database holds the DSA-110 list. */
interface BenchInput {
  readonly imagePath: string;
  readonly paths: DataPaths;
}

interface ScienceStep {
  readonly label: string;
  /** Runs the step once; resolves to what it produced, summarised for the table's notes. */
  run(input: BenchInput): Promise<string>;
}

function stageContextFor(input: BenchInput): StageContext {
  const image: DomainEvent = {
    type: 'ImageWritten',
    payload: { groupId: GROUP_ID, imageId: `${GROUP_ID}.full`, mode: 'full', products: { pbcor: input.imagePath }, sizePx: FULL_SIZE_PX, cellArcsec: DSA110_CELL_ARCSEC, beam: DSA110_BEAM },
  };
  const history = [{ ...image, seq: 1, id: 'bench-image', stream: GROUP_ID, streamVersion: 1, version: 1, time: '2026-01-25T22:45:00Z', causationId: null, correlationId: null }];
  return {
    groupId: GROUP_ID,
    attempt: 1,
    mode: 'fresh',
    files: [],
    history: history,
    paths: input.paths,
    config: loadConfig({ flags: {}, env: {} }).config,
    logger: pino({ level: 'silent' }),
    degraded: false,
    signal: new AbortController().signal,
    progress: () => undefined,
  };
}

const STEPS: readonly ScienceStep[] = [
  {
    label: 'find sources',
    async run(input) {
      const finding = await findSources(input.imagePath);
      return `${finding.sources.length} sources in ${finding.islands} islands`;
    },
  },
  {
    label: 'crossmatch stage (find + match)',
    async run(input) {
      const events = await crossmatchStage.run(stageContextFor(input));
      return events
        .flatMap((e) => (e.type === 'CrossMatchCompleted' ? [`${e.payload.catalog}: ${e.payload.matched} matched, completeness ${e.payload.completeness?.toFixed(2) ?? '-'}, issues ${JSON.stringify(e.payload.issues)}`] : []))
        .join('; ');
    },
  },
];

async function simulatedImage(path: string, totalSources: number): Promise<string> {
  const dsa110 = (await readDsa110Sources()).map((s) => ({ raDeg: s.raDeg, decDeg: s.decDeg, peakJy: s.catalogFluxJy }));
  const xy = await skyToPixels(simulatedFrame(GRID), dsa110.flatMap((s) => [s.raDeg, s.decDeg]));
  const inField = dsa110.filter((_, i) => [xy[2 * i]!, xy[2 * i + 1]!].every((p) => p >= 0 && p <= FULL_SIZE_PX - 1));
  // A random population (5–100 σ) tops the DSA-110 sources in the field up to the requested count.
  const population = await randomSky(GRID, { count: Math.max(0, totalSources - inField.length), minPeakJy: 5 * RMS_JY, maxPeakJy: 100 * RMS_JY, minSeparationArcsec: 3 * DSA110_BEAM.majorArcsec, marginPx: 30, seed: 3 });
  await writeSimulatedImage(path, { ...GRID, rmsJy: RMS_JY, seed: 4, sources: [...inField, ...population] });
  return `simulated ${FULL_SIZE_PX}² px image: ${inField.length} DSA-110 sources + ${population.length} random ones, ${(RMS_JY * 1e3).toFixed(0)} mJy noise`;
}

export default async function scienceBench(args: string[]): Promise<void> {
  const reps = intArg(args, 'reps', 5);
  const imageArg = args.find((a) => a.startsWith('--image='))?.slice('--image='.length);
  const dir = await mkdtemp(join(tmpdir(), 'contimg-bench-science-'));
  try {
    const imagePath = imageArg ?? join(dir, 'pbcor.fits');
    const description = imageArg ? `image ${imageArg}` : await simulatedImage(imagePath, intArg(args, 'sources', 200));
    const paths = dataPaths(join(dir, 'data'));
    await importCatalogFile(paths.catalogs, DEFAULT_DSA110_SOURCES);
    console.log(`science benchmark: ${description}; catalog dsa110; ${reps} runs per step, medians\n`);
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const step of STEPS) {
      let note = '';
      rows.push({ result: await measure(step.label, reps, 1, () => ({ run: async () => (note = await step.run({ imagePath, paths })) })) });
      notes.push(`${step.label}: ${note}`);
    }
    printTable(rows);
    console.log(`\n${notes.join('\n')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
