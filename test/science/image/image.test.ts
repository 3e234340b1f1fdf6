import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { dataPaths } from '../../../src/config/paths.js';
import type { StoredEvent } from '../../../src/eventlog/event.js';
import { payloadErrors } from '../../../src/eventlog/schema.js';
import { assessImage, ImageError, imageMs, measurementSetFacts, PRODUCTS, type ImageResult, type ImagingSettings } from '../../../src/science/image/index.js';
import { imageStage, imagingSettings } from '../../../src/stages/image.js';
import type { StageContext } from '../../../src/stages/stage.js';
import { qaThresholds, validateStage } from '../../../src/stages/validate.js';
import { calMsInfo, msMergeSpws } from '../../../native/index.js';
import { contimg } from '../../support/cli.js';
import { runOracle } from '../../support/oracle.js';
import { FIELD_SOURCES, imageSimulatedGroup } from '../../support/simulatedGroupImage.js';

const run = promisify(execFile);

/** The field's bright points, with a synchrotron spectrum. */
const SOURCES = FIELD_SOURCES.map((s, i) => ({ ...s, name: `S${i}`, spectralIndex: -0.7 }));

interface Truth {
  readonly groupId: string;
  readonly sources: readonly { raJ2000Deg: number; decJ2000Deg: number; fluxJy: number; spectralIndex: number; referenceFrequencyHz: number }[];
}

interface ProductsOracle {
  products: Record<string, { shape: number[]; unit: string | null; bmajDeg: number | null; bminDeg: number | null; dateObs: string; telescope: string; object: string; frequencyHz: number; celestial: string[]; radesys: string; finite: number; max: number }>;
  sources: { raDeg: number; decDeg: number; offsetArcsec: number; imageJy: number; pbcorJy: number; pb: number }[];
}

interface QaOracle {
  robustRms: number;
  peak: number;
  sources: { x: number; y: number; value: number }[];
  sourceFreeRms: number;
  dynamicRange: number;
  thermalNoise: number;
}

let dir: string;
let ms: string;
let truth: Truth;
let settings: ImagingSettings;
let image: ImageResult;
const progress: { fraction: number; message: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-image-'));
  settings = imagingSettings(loadConfig({ env: {}, cwd: dir }).config);
  const simulated = await imageSimulatedGroup(dir, SOURCES, { imagesDir: join(dir, 'images'), settings, onProgress: (fraction, message) => progress.push({ fraction, message }) });
  truth = JSON.parse(await readFile(simulated.truthPath, 'utf8')) as Truth;
  ms = simulated.ms;
  image = simulated.image;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('imageMs (WSClean quick mode on a converted simulated group)', () => {
  it('moves every product into images/<imageId>/ and leaves no staging behind', async () => {
    expect(await readdir(join(dir, 'images'))).toEqual(['group.quick']);
    expect((await readdir(image.dir)).sort()).toEqual([...PRODUCTS.map((p) => `${p}.fits`), 'wsclean.log'].sort());
    expect(image.sizePx).toBeLessThanOrEqual(512);
    // At least 3 pixels across the smallest synthesised beam, λ_min / B_max.
    const beamArcsec = (299792458 / image.geometry.maxFreqHz / image.geometry.maxBaselineM) * (180 / Math.PI) * 3600;
    expect(beamArcsec / image.cellArcsec).toBeGreaterThanOrEqual(3);
    expect(await readFile(image.products.log, 'utf8')).toContain('WSClean version');
  });

  it('reports WSClean progress as rising fractions that end at 1', () => {
    expect(progress.length).toBeGreaterThan(4);
    progress.slice(1).forEach((p, i) => expect(p.fraction).toBeGreaterThanOrEqual(progress[i]!.fraction));
    expect(progress.map((p) => p.message)).toEqual(expect.arrayContaining(['constructing the PSF', 'major cycle 1', 'primary beam']));
    expect(progress.at(-1)!.fraction).toBe(1);
  });

  it('images the SPWs joined into one, and msMergeSpws joins them exactly (python-casacore oracle)', async () => {
    expect(await readFile(image.products.log, 'utf8')).toMatch(/into 1 x 1 parts/);
    const joined = join(dir, 'joined.ms');
    const result = await msMergeSpws({ input: ms, output: joined, column: 'CORRECTED_DATA' });
    const check = JSON.parse(await runOracle('ms_merge_check.py', [ms, joined, 'CORRECTED_DATA'])) as Record<string, unknown>;
    expect(check).toMatchObject({ spectralWindows: 1, dataDescIds: [0], keysEqual: true, dataEqual: true, flagEqual: true, weightEqual: true, freqsEqual: true, nonZeroData: true });
    expect(check['rows']).toBe(check['expectedRows']);
    expect(check['channels']).toBe(check['expectedChannels']);
    expect(result).toEqual({ rows: check['rows'], spws: (await calMsInfo(ms)).spwFreqHz.length, channels: check['numChan'] });
    await expect(msMergeSpws({ input: ms, output: joined, column: 'CORRECTED_DATA' })).rejects.toThrow(/casacore: .*joined\.ms/);
    await expect(msMergeSpws({ input: ms, output: join(dir, 'other.ms'), column: 'NO_SUCH' })).rejects.toThrow(/has no NO_SUCH column/);
  });

  it('writes FITS products astropy reads without a warning, with complete headers', async () => {
    const oracle = JSON.parse(await runOracle('img_fits_products.py', [image.dir])) as ProductsOracle;
    for (const name of PRODUCTS) {
      const product = oracle.products[name]!;
      expect(product.celestial, name).toEqual(['RA---SIN', 'DEC--SIN']);
      expect(product.radesys, name).toBe('FK5');
      expect(product.telescope, name).toBe('DSA_110');
      expect(product.object, name).toBe(truth.groupId);
      expect(product.dateObs, name).toMatch(/^2026-01-25T22:03:4\d/);
      expect(product.frequencyHz, name).toBeCloseTo(image.frequencyHz, 0);
      expect(product.bmajDeg! * 3600, name).toBeCloseTo(image.beam.majorArcsec, 6);
      expect(product.shape, name).toEqual([1, 1, image.sizePx, image.sizePx]);
    }
    expect(oracle.products['image']!.unit).toBe('Jy / beam');
    expect(oracle.products['model']!.unit).toBe('Jy / pix');
    expect(oracle.products['pb']!.unit).toBe('');
    // The beam averaged over the band and the drift of the pointing: just below 1 at the centre of a 77 s group.
    expect(oracle.products['pb']!.max).toBeLessThan(1);
    expect(oracle.products['pb']!.max).toBeGreaterThan(0.99);
    // pbcor is blank only below the cutoff, which this small field never reaches.
    expect(oracle.products['pbcor']!.finite).toBe(image.sizePx ** 2);
  });

  it('puts every injected source above 20σ within 0.1 beam of its true position (astropy WCS)', async () => {
    const positions = truth.sources.map((s) => `${s.raJ2000Deg},${s.decJ2000Deg}`);
    const oracle = JSON.parse(await runOracle('img_fits_products.py', [image.dir, ...positions])) as ProductsOracle;
    const qa = JSON.parse(await runOracle('img_qa.py', [image.products.image, ms])) as QaOracle;
    const bright = oracle.sources.filter((s) => s.imageJy > 20 * qa.robustRms);
    expect(bright.length).toBe(SOURCES.length);
    for (const source of bright) {
      expect(source.offsetArcsec, `${source.raDeg},${source.decDeg}`).toBeLessThan(0.1 * image.beam.minorArcsec);
      // pbcor divides by the beam at that pixel; the beam there is close to (and below) 1.
      expect(source.pb).toBeGreaterThan(0.98);
      expect(source.pb).toBeLessThan(1);
      expect(source.pbcorJy).toBeCloseTo(source.imageJy / source.pb, 4);
    }
  });

  it('measures QA numbers that match an independent numpy / scipy / python-casacore computation', async () => {
    const qaDir = await mkdtemp(join(dir, 'qa-'));
    const { metrics, verdict, artifacts } = await assessImage(image.products.image, await measurementSetFacts(ms), qaThresholds(loadConfig({ env: {}, cwd: dir }).config), qaDir);
    const oracle = JSON.parse(await runOracle('img_qa.py', [image.products.image, ms])) as QaOracle;
    expect(metrics.robustRmsJy).toBeCloseTo(oracle.robustRms, 6);
    expect(metrics.peakJy).toBeCloseTo(oracle.peak, 6);
    expect(metrics.sourceFreeRmsJy).toBeCloseTo(oracle.sourceFreeRms, 6);
    expect(metrics.dynamicRange / oracle.dynamicRange).toBeCloseTo(1, 5);
    expect(metrics.thermalNoiseJy / oracle.thermalNoise).toBeCloseTo(1, 4); // taql prints 6 digits
    expect(metrics.sources.map((s) => [s.x, s.y]).sort()).toEqual(oracle.sources.map((s) => [s.x, s.y]).sort());
    expect(metrics.sources.length).toBeGreaterThanOrEqual(SOURCES.length);
    // Briggs weighting and an unconverged quick clean put the noise above thermal, never below it.
    expect(metrics.noiseRatio).toBeGreaterThan(1);
    expect(metrics.dynamicRange).toBeGreaterThan(50);
    // (24 antennas and 300 iterations leave sidelobes: the grade itself is tested in qa.test.ts.)
    expect(verdict.issues.length === 0).toBe(verdict.grade === 'good');
    const png = await readFile(artifacts.thumbnail);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(JSON.parse(await readFile(artifacts.qa, 'utf8'))).toMatchObject({ grade: verdict.grade, peakJy: metrics.peakJy });
  });
});

describe('imageMs failures', () => {
  async function expectFailure(promise: Promise<unknown>, code: string, text: RegExp, imagesDir: string) {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).code).toBe(code);
    expect((error as ImageError).message).toMatch(text);
    // Nothing half-written in images/.
    expect(await readdir(imagesDir).catch(() => [])).toEqual([]);
  }

  it('names a MeasurementSet that is not there', async () => {
    const imagesDir = join(dir, 'images-missing');
    await expectFailure(imageMs(join(dir, 'nothere.ms'), { mode: 'quick', imageId: 'x', imagesDir, settings }), 'bad-input', /nothere\.ms does not exist/, imagesDir);
  });

  it("gives WSClean's own reason when WSClean fails (no CORRECTED_DATA)", async () => {
    const broken = join(dir, 'broken.ms');
    await cp(ms, broken, { recursive: true });
    await run('taql', ['-noph', `alter table '${broken}' drop column CORRECTED_DATA`]);
    const imagesDir = join(dir, 'images-broken');
    await expectFailure(imageMs(broken, { mode: 'quick', imageId: 'x', imagesDir, settings }), 'wsclean-failed', /WSClean exited with code \d+: .*CORRECTED_DATA/, imagesDir);
  });

  it('kills WSClean at the timeout', async () => {
    const imagesDir = join(dir, 'images-timeout');
    await expectFailure(imageMs(ms, { mode: 'quick', imageId: 'x', imagesDir, settings: { ...settings, timeoutSeconds: 0.05 } }), 'timeout', /longer than 0.05 s/, imagesDir);
  });

  it('kills WSClean when the run is aborted', async () => {
    const imagesDir = join(dir, 'images-abort');
    const abort = new AbortController();
    // WSClean's first progress line arrives while it runs (it still has the PSF and the clean to do).
    const onProgress = (_fraction: number, message: string) => message === 'reordering' && abort.abort();
    const running = imageMs(ms, { mode: 'quick', imageId: 'x', imagesDir, settings, signal: abort.signal, onProgress });
    await expectFailure(running, 'aborted', /WSClean was killed: the run was aborted/, imagesDir);
  });

  it('fails the CLI with a clear message and exit code 1', async () => {
    const result = await contimg(['image', join(dir, 'nothere.ms'), '--quick', '--out', join(dir, 'images-cli')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/contimg: MeasurementSet .*nothere\.ms does not exist/);
  });
});

describe('image and validate stages', () => {
  it('images the MS of the MsWritten event (quick while degraded), then grades it, with events the schema accepts', async () => {
    const data = join(dir, 'data');
    const { config } = loadConfig({ env: {}, cwd: dir });
    expect(config['image.mode']).toBe('full');
    const history: StoredEvent[] = [];
    const store = (type: string, payload: unknown) => history.push({ type, payload, seq: history.length + 1 } as unknown as StoredEvent);
    store('MsWritten', { groupId: truth.groupId, msPath: ms });
    const fractions: number[] = [];
    const context = (): StageContext => ({
      groupId: truth.groupId,
      attempt: 1,
      mode: 'fresh',
      files: [],
      history,
      paths: dataPaths(data),
      config,
      logger: pino({ level: 'silent' }),
      degraded: true,
      signal: new AbortController().signal,
      progress: (fraction) => fractions.push(fraction),
    });

    const [written] = await imageStage.run(context());
    expect(written!.type).toBe('ImageWritten');
    expect(payloadErrors('ImageWritten', written!.payload)).toEqual([]);
    expect(written!.payload).toMatchObject({ imageId: `${truth.groupId}.quick`, mode: 'quick' });
    expect(fractions.at(-1)).toBe(1);
    store('ImageWritten', written!.payload);

    const [qa] = await validateStage.run(context());
    expect(qa!.type).toBe('ImageQaMeasured');
    expect(payloadErrors('ImageQaMeasured', qa!.payload)).toEqual([]);
    const imageDir = join(data, 'images', `${truth.groupId}.quick`);
    expect(await readdir(imageDir)).toEqual(expect.arrayContaining(['qa.json', 'thumbnail.png', 'image.fits', 'pbcor.fits']));
  });

  it('fails the image stage without a MeasurementSet, not retryable', async () => {
    const context = { groupId: truth.groupId, history: [], config: loadConfig({ env: {}, cwd: dir }).config } as unknown as StageContext;
    await expect(imageStage.run(context)).rejects.toMatchObject({ code: 'missing-ms', retryable: false });
  });
});
