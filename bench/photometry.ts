/**
 * Forced photometry at full size: a simulated 3.5° restored image (3360² pixels of 3.75″, a
 * 18″ × 13″ beam, 1 mJy/beam correlated noise) holding N sources (default 200) of a catalog
 * imported into a catalog database; timed: the whole photometry stage (FITS read, cone search,
 * wcslib positions, measurement), the measurement alone, and the photometry projection folding
 * one image's measurements onto 20 earlier epochs. Prints the recovered flux ratio as a check.
 *
 *   npm run bench -- photometry [--sources=N] [--reps=N]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CatalogDb } from '../src/catalogs/catalogDb.js';
import { importCatalog } from '../src/catalogs/importCatalog.js';
import { loadConfig } from '../src/config/config.js';
import { dataPaths } from '../src/config/paths.js';
import type { StoredEvent } from '../src/eventlog/event.js';
import type { PayloadOf } from '../src/eventlog/schema.js';
import { photometry } from '../src/projections/photometry.js';
import { forcedPhotometry, loadPhotometryImage } from '../src/science/photometry/index.js';
import { photometryStage } from '../src/stages/photometry.js';
import { stageContext } from '../test/support/stageContext.js';
import { writeSkyImage, type SkyImageSpec } from '../test/science/photometry/skyImage.js';
import { random } from '../test/support/random.js';
import { intArg, measure, printTable } from './support.js';

const GROUP_ID = '2026-01-25T22:40:00';
const spec: SkyImageSpec = {
  raDeg: 343.5,
  decDeg: 16.2,
  nx: 3360,
  ny: 3360,
  cellArcsec: 3.75,
  beam: { majorArcsec: 18, minorArcsec: 13, paDeg: 0 },
  noiseJy: 0.001,
  correlatedNoise: true,
  seed: 42,
};

function stored(type: string, payload: object, seq: number): StoredEvent {
  return { type, payload, seq, id: `e${seq}`, stream: GROUP_ID, streamVersion: seq, version: 1, time: '2026-01-25T22:45:00Z', causationId: null, correlationId: null } as StoredEvent;
}

export default async function photometryBench(args: string[]): Promise<void> {
  const count = intArg(args, 'sources', 200);
  const reps = intArg(args, 'reps', 5);
  const dir = await mkdtemp(join(tmpdir(), 'contimg-bench-phot-'));
  try {
    const uniform = random(7);
    // within 1.6° of the centre, 10 mJy – 2 Jy log-uniform, named as the DSA-110 list names them
    const sources = Array.from({ length: count }, () => {
      const [r, theta] = [1.6 * Math.sqrt(uniform()), 2 * Math.PI * uniform()];
      const decDeg = spec.decDeg + r * Math.sin(theta);
      const raDeg = spec.raDeg + (r * Math.cos(theta)) / Math.cos((decDeg * Math.PI) / 180);
      return { name: `J${raDeg.toFixed(5)}+${decDeg.toFixed(5)}`, raDeg, decDeg, fluxJy: 0.01 * 200 ** uniform() };
    });
    const pbcor = join(dir, 'pbcor.fits');
    console.log(`writing a ${spec.nx}² image with ${count} sources…`);
    await writeSkyImage(pbcor, spec, sources);
    const paths = dataPaths(join(dir, 'data'));
    await mkdir(paths.catalogs, { recursive: true });
    const csv = join(dir, 'sources.csv');
    await writeFile(
      csv,
      ['source_name,ra_deg,dec_deg,catalog_flux_jy,measured_flux_jy,flux_err_jy,flux_ratio,snr', ...sources.map((s) => `${s.name},${s.raDeg},${s.decDeg},${s.fluxJy},${s.fluxJy},0.001,1,10`)].join('\n'),
    );
    const db = CatalogDb.open(paths.catalogs);
    await importCatalog(db, csv, { catalog: 'bench' });
    db.close();

    const config = { ...loadConfig({ flags: {}, env: {} }).config, 'photometry.catalogs': 'bench', 'photometry.minFluxJy': 0 };
    const history = [
      stored('MsWritten', { groupId: GROUP_ID, msPath: join(dir, 'x.ms'), rows: 1, spectralWindows: 16, channels: 48, antennas: 96, integrations: 24, sizeBytes: 1, phaseCenterRaRad: 0, phaseCenterDecRad: 0, midMjd: 61065.94 }, 1),
      stored('ImageWritten', { groupId: GROUP_ID, imageId: `${GROUP_ID}-full`, mode: 'full', products: { pbcor }, sizePx: spec.nx, cellArcsec: spec.cellArcsec, beam: spec.beam }, 2),
    ];
    const context = stageContext({ groupId: GROUP_ID, history, paths, config });
    let payload: PayloadOf<'PhotometryMeasured'> | undefined;
    const stage = await measure(`photometry stage: ${count} sources, ${spec.nx}² image`, reps, count, () => ({
      run: async () => {
        const [event] = await photometryStage.run(context);
        if (event?.type === 'PhotometryMeasured') payload = event.payload;
      },
    }));
    const image = await loadPhotometryImage(pbcor);
    const targets = sources.map((s) => ({ sourceId: s.name, raDeg: s.raDeg, decDeg: s.decDeg }));
    const measureOnly = await measure(`measurement only (image in memory)`, reps, count, () => ({ run: () => forcedPhotometry(image, targets) }));

    const fold = await measure(`projection: 21st epoch of ${count} sources`, reps, count, () => {
      const readModels = new Database(':memory:');
      readModels.exec(photometry.ddl);
      const apply = photometry.bind(readModels);
      const epoch = (n: number) => stored('PhotometryMeasured', { ...payload!, groupId: `2026-01-${String(n + 1).padStart(2, '0')}T22:40:00`, mjd: 61045 + n }, n + 1);
      readModels.transaction(() => apply(Array.from({ length: 20 }, (_, n) => epoch(n))))();
      return { run: () => readModels.transaction(() => apply([epoch(20)]))(), teardown: () => readModels.close() };
    });
    printTable([{ result: stage }, { result: measureOnly }, { result: fold }]);

    const truth = new Map(sources.map((s) => [`bench:${s.name}`, s.fluxJy]));
    const ratios = payload!.measurements.map((m) => m.fluxJy / truth.get(m.sourceId)!).sort((a, b) => a - b);
    console.log(`measured ${payload!.measurements.length} of ${count} (skipped ${payload!.skipped}); median measured/true ${ratios[ratios.length >> 1]!.toFixed(4)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
