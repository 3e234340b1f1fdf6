/**
 * One MeasurementSet → one directory of FITS products: WSClean's image, residual, psf and model
 * (headers completed), the primary beam and the primary-beam-corrected image, and WSClean's log.
 * Everything is built in a staging directory beside the destination and moved into place whole,
 * replacing an earlier attempt's products; a failure leaves nothing behind.
 */
import { availableParallelism } from 'node:os';
import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { calMsInfo, fitsReadImage, fitsUpdateHeader, fitsWriteImage, msMergeSpws, type CalMsInfo, type FitsCard } from '../../../native/index.js';
import { ensureFreeSpace } from '../diskSpace.js';
import { TELESCOPE_NAME } from '../site.js';
import { SPEED_OF_LIGHT_M_S } from '../simulate/beam.js';
import { ImageError } from './errors.js';
import { mjdOfIso, restoringBeam, stringCard } from './fitsHeader.js';
import { measurementSetGeometry, type MsGeometry } from './msFacts.js';
import { beamSamplingOf, primaryBeamCorrect, primaryBeamImage } from './primaryBeam.js';
import { runWsclean } from './wsclean.js';

export type ImageMode = 'quick' | 'full';

export interface ImagingSettings {
  readonly fieldDeg: number;
  readonly pixelsPerBeam: number;
  readonly niter: number;
  readonly quickSizePx: number;
  readonly quickNiter: number;
  /** At most this many major cycles in quick mode (0: none). */
  readonly quickMajorCycles: number;
  readonly quickGridderAccuracy: number;
  readonly robust: number;
  readonly minUvLambda: number;
  readonly autoMask: number;
  readonly autoThreshold: number;
  readonly mgain: number;
  /** 0 = every core. */
  readonly threads: number;
  readonly timeoutSeconds: number;
  readonly pbCutoff: number;
  /**
   * Baseline-dependent time averaging may cost a point source at the image corner at most this
   * fraction of its flux (0: no averaging).
   */
  readonly maxSmearingLoss: number;
}

export interface ImagePlan {
  readonly sizePx: number;
  readonly cellArcsec: number;
  readonly niter: number;
  readonly threads: number;
  /** At most this many major cycles (Cotton-Schwab, `mgain`; undefined: as many as it takes); 0: one Högbom clean of the dirty image. */
  readonly majorCycles: number | undefined;
  /** WSClean `-wgridder-accuracy`, or undefined for its default (1e-4). */
  readonly gridderAccuracy: number | undefined;
  /** WSClean `-baseline-averaging`: the longest uv track averaged into one visibility, wavelengths (0: none). */
  readonly baselineAveragingLambda: number;
}

const ARCSEC = Math.PI / (180 * 3600);

/**
 * The longest uv track (wavelengths) that may be averaged into one visibility: averaging a track
 * of L wavelengths scales a source at direction cosine l by sinc(L·l) ≈ 1 − (π L l)² / 6, here
 * at the image corner. The longest baselines smear this much within one integration already, so
 * the averaging reaches only the shorter ones (most of DSA-110's rows).
 */
export function baselineAveragingLambda(sizePx: number, cellArcsec: number, maxLoss: number): number {
  if (!(maxLoss > 0)) return 0;
  const cornerRad = (sizePx / 2) * Math.SQRT2 * cellArcsec * ARCSEC;
  return Math.floor((100 * Math.sqrt(6 * maxLoss)) / (Math.PI * cornerRad)) / 100;
}

/**
 * The cell samples the smallest synthesised beam, λ_min / B_max, with `pixelsPerBeam` pixels;
 * full mode covers `fieldDeg`, quick mode keeps the cell and at most `quickSizePx` pixels (a
 * small field, so it may average far more) and at most `quickMajorCycles` major cycles.
 */
export function planImage(mode: ImageMode, facts: MsGeometry, settings: ImagingSettings): ImagePlan {
  const beamArcsec = (SPEED_OF_LIGHT_M_S / facts.maxFreqHz / facts.maxBaselineM) * (180 / Math.PI) * 3600;
  const cellArcsec = Math.floor((beamArcsec / settings.pixelsPerBeam) * 1000) / 1000;
  const fullSize = 2 * Math.ceil((settings.fieldDeg * 3600) / cellArcsec / 2);
  const threads = settings.threads > 0 ? settings.threads : availableParallelism();
  const sizePx = mode === 'full' ? fullSize : Math.min(fullSize, settings.quickSizePx - (settings.quickSizePx % 2));
  return {
    sizePx,
    cellArcsec,
    niter: mode === 'full' ? settings.niter : Math.min(settings.niter, settings.quickNiter),
    threads,
    majorCycles: mode === 'full' ? undefined : settings.quickMajorCycles,
    gridderAccuracy: mode === 'full' ? undefined : settings.quickGridderAccuracy,
    baselineAveragingLambda: baselineAveragingLambda(sizePx, cellArcsec, settings.maxSmearingLoss),
  };
}

export function wscleanArgs(msPath: string, namePrefix: string, tempDir: string, plan: ImagePlan, settings: ImagingSettings, dataColumn = 'CORRECTED_DATA'): string[] {
  return [
    '-j', String(plan.threads),
    '-reorder', // required for a multi-SPW MS and for baseline-dependent averaging
    '-temp-dir', tempDir,
    '-size', String(plan.sizePx), String(plan.sizePx),
    '-scale', `${plan.cellArcsec}asec`,
    '-niter', String(plan.niter),
    '-weight', 'briggs', String(settings.robust),
    '-auto-mask', String(settings.autoMask),
    '-auto-threshold', String(settings.autoThreshold),
    ...(plan.majorCycles === 0 ? [] : ['-mgain', String(settings.mgain)]),
    ...(plan.majorCycles === undefined || plan.majorCycles === 0 ? [] : ['-nmiter', String(plan.majorCycles)]),
    ...(plan.baselineAveragingLambda > 0 ? ['-baseline-averaging', String(plan.baselineAveragingLambda)] : []),
    // ducc's w-gridder corrects the w-term exactly: the 2 w-layers WSClean suggests for a 1.75° field cost a source 0.67° out 8 % of its flux.
    '-use-wgridder',
    ...(plan.gridderAccuracy === undefined ? [] : ['-wgridder-accuracy', String(plan.gridderAccuracy)]),
    '-minuv-l', String(settings.minUvLambda),
    '-data-column', dataColumn,
    '-pol', 'I',
    '-no-update-model-required', // leaves the MS as it is (and saves writing MODEL_DATA)
    '-no-dirty',
    '-name', namePrefix,
    msPath,
  ];
}

export const PRODUCTS = ['image', 'residual', 'psf', 'model', 'pb', 'pbcor'] as const;
export type ProductName = (typeof PRODUCTS)[number] | 'log';

export interface ImageOptions {
  readonly mode: ImageMode;
  readonly imageId: string;
  /** Products go to `<imagesDir>/<imageId>/`. */
  readonly imagesDir: string;
  readonly settings: ImagingSettings;
  /** Written as OBJECT (and CONTGRP) into every product. */
  readonly groupId?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number, message: string) => void;
}

export interface ImageResult {
  readonly imageId: string;
  readonly dir: string;
  readonly mode: ImageMode;
  readonly products: Readonly<Record<ProductName, string>>;
  readonly sizePx: number;
  readonly cellArcsec: number;
  readonly frequencyHz: number;
  readonly beam: { majorArcsec: number; minorArcsec: number; paDeg: number };
  readonly geometry: MsGeometry;
  readonly wscleanSeconds: number;
  readonly totalSeconds: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;

/**
 * Cards that complete WSClean's header: what astropy needs to read it without a fix-up warning,
 * and who made it. DATE-OBS comes from the restored image (WSClean dates its PSF at MJD 0).
 */
function headerCompletion(dateObs: string, product: 'image' | 'residual' | 'psf' | 'model', options: ImageOptions): FitsCard[] {
  return [
    { name: 'BUNIT', value: product === 'model' ? 'Jy/pixel' : 'Jy/beam', comment: product === 'psf' ? 'peak-normalised point spread function' : 'brightness unit' },
    { name: 'RADESYS', value: 'FK5', comment: 'J2000 (EQUINOX 2000)' },
    { name: 'DATE-OBS', value: dateObs, comment: 'start of the observation, UTC' },
    { name: 'MJD-OBS', value: mjdOfIso(dateObs), comment: 'MJD of DATE-OBS' },
    { name: 'TELESCOP', value: TELESCOPE_NAME },
    { name: 'OBJECT', value: options.groupId ?? options.imageId, comment: 'contimg group id' },
    { name: 'CONTIMID', value: options.imageId, comment: 'contimg image id' },
    { name: 'CONTMODE', value: options.mode, comment: 'contimg imaging mode' },
  ];
}

export async function imageMs(msPathGiven: string, options: ImageOptions): Promise<ImageResult> {
  const started = performance.now();
  // WSClean runs in the staging directory: a relative path would not find the MS from there.
  const msPath = resolve(msPathGiven);
  if (!SAFE_ID.test(options.imageId)) throw new ImageError('bad-input', `image id "${options.imageId}" must be letters, digits and . _ : + -`);
  const progress = options.onProgress ?? (() => undefined);
  const geometry = await measurementSetGeometry(msPath);
  const msInfo = await calMsInfo(msPath);
  const plan = planImage(options.mode, geometry, options.settings);

  const dir = join(options.imagesDir, options.imageId);
  const stagingRoot = join(options.imagesDir, '.staging');
  const staging = join(stagingRoot, `${options.imageId}.${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const prefix = join(staging, 'wsclean');
    const input = await oneSpectralWindow(msPath, msInfo, staging, progress);
    progress(0.05, `WSClean ${plan.sizePx}² px of ${plan.cellArcsec}″, ${plan.niter} iterations`);
    const wsclean = await runWsclean({
      args: wscleanArgs(input.msPath, prefix, staging, plan, options.settings, input.dataColumn),
      cwd: staging,
      timeoutMs: options.settings.timeoutSeconds * 1000,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (fraction, message) => progress(0.05 + 0.85 * fraction, message),
    });
    if (input.msPath !== msPath) await rm(input.msPath, { recursive: true, force: true });

    const products = {} as Record<ProductName, string>;
    const wscleanProducts = ['image', 'residual', 'psf', 'model'] as const;
    for (const product of wscleanProducts) {
      const from = `${prefix}-${product}.fits`;
      await rename(from, join(staging, `${product}.fits`)).catch((cause: unknown) => {
        throw new ImageError('invalid-output', `WSClean finished but wrote no ${product} image (${from})`, { cause });
      });
      products[product] = join(dir, `${product}.fits`);
    }
    const { cards } = await fitsReadImage(join(staging, 'image.fits'));
    const dateObs = stringCard(cards, 'DATE-OBS', join(staging, 'image.fits'));
    for (const product of wscleanProducts) await fitsUpdateHeader(join(staging, `${product}.fits`), headerCompletion(dateObs, product, options));

    progress(0.92, 'primary beam');
    const image = await fitsReadImage(join(staging, 'image.fits'));
    const sampling = beamSamplingOf(msInfo);
    const { pb, frequencyHz } = await primaryBeamImage(image, join(staging, 'image.fits'), sampling);
    // Commentary cards are not carried over: cfitsio writes its own FITS-standard comment.
    const keywordCards = image.cards.filter((c) => c.name !== 'COMMENT' && c.name !== 'HISTORY');
    await fitsWriteImage(join(staging, 'pb.fits'), {
      cards: [
        ...keywordCards.filter((c) => c.name !== 'BUNIT' && c.name !== 'BTYPE'),
        { name: 'BUNIT', value: '', comment: 'dimensionless power response' },
        { name: 'BTYPE', value: 'Beam', comment: `Airy, 4.65 m; ${sampling.frequenciesHz.length} channels x ${sampling.pointingRaOffsetsRad.length} pointings` },
      ],
      shape: image.shape,
      data: pb,
    });
    await fitsWriteImage(join(staging, 'pbcor.fits'), {
      cards: [...keywordCards, { name: 'PBCUTOFF', value: options.settings.pbCutoff, comment: 'blank where the beam response is lower' }],
      shape: image.shape,
      data: primaryBeamCorrect(image.data, pb, options.settings.pbCutoff),
    });
    products.pb = join(dir, 'pb.fits');
    products.pbcor = join(dir, 'pbcor.fits');
    await writeFile(join(staging, 'wsclean.log'), wsclean.log);
    products.log = join(dir, 'wsclean.log');

    const beam = restoringBeam(image.cards, join(staging, 'image.fits'));
    await replaceDirectory(staging, dir);
    progress(1, 'image written');
    const totalSeconds = (performance.now() - started) / 1000;
    return { imageId: options.imageId, dir, mode: options.mode, products, sizePx: plan.sizePx, cellArcsec: plan.cellArcsec, frequencyHz, beam, geometry, wscleanSeconds: wsclean.seconds, totalSeconds };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  } finally {
    // Only when empty: another run may be staging beside this one.
    await rmdir(stagingRoot).catch(() => undefined);
  }
}

/** Bytes per visibility the joined copy needs at least: DATA (complex64), WEIGHT_SPECTRUM (float32), FLAG. */
const JOINED_BYTES_PER_VISIBILITY = 8 + 4 + 1;

/**
 * The MS WSClean should image. WSClean grids each spectral window of an MS as a part of its own, on
 * every pass: joined into one window (a copy in the staging directory, CORRECTED_DATA as its DATA)
 * a full-size group's inversions take a quarter less time, far more than the copy costs. An MS
 * whose windows cannot be joined (unequal channel counts, overlapping bands), or whose copy the
 * disk cannot hold, is imaged as it is.
 */
async function oneSpectralWindow(msPath: string, msInfo: CalMsInfo, staging: string, progress: (fraction: number, message: string) => void): Promise<{ msPath: string; dataColumn: string }> {
  const spws = msInfo.spwFreqHz.length;
  if (spws <= 1) return { msPath, dataColumn: 'CORRECTED_DATA' };
  progress(0, `joining ${spws} SPWs into one for WSClean`);
  const joined = join(staging, 'imaging.ms');
  const visibilities = msInfo.rows * msInfo.spwFreqHz[0]!.length * msInfo.corrTypes.length;
  try {
    await ensureFreeSpace(joined, visibilities * JOINED_BYTES_PER_VISIBILITY);
    await msMergeSpws({ input: msPath, output: joined, column: 'CORRECTED_DATA' });
    return { msPath: joined, dataColumn: 'DATA' };
  } catch (error) {
    await rm(joined, { recursive: true, force: true });
    progress(0, `imaging the ${spws} SPWs as they are: ${error instanceof Error ? error.message : String(error)}`);
    return { msPath, dataColumn: 'CORRECTED_DATA' };
  }
}

/** Moves `from` to `to`, replacing an earlier `to` (left by a previous attempt) whole. */
async function replaceDirectory(from: string, to: string): Promise<void> {
  const old = `${from}.old`;
  await rename(to, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(from, to);
  await rm(old, { recursive: true, force: true });
}

