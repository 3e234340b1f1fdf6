/** `contimg mosaic IMAGE... --out X.fits`: a primary-beam-weighted mosaic of images, outside the pipeline. */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { buildMosaic, type MosaicInput, type MosaicProducts, type MosaicResult } from '../../science/mosaic/index.js';

export interface MosaicCommandOptions {
  readonly out: string;
  readonly pbCutoff: number;
  readonly interpolation: 'bilinear' | 'bicubic';
  readonly json?: boolean;
}

/** An image directory (`image.fits`, `pb.fits`) or an image file with `pb.fits` beside it. */
export function tileInput(path: string): MosaicInput {
  const dir = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? path : dirname(path);
  return { imagePath: dir === path ? join(dir, 'image.fits') : path, pbPath: join(dir, 'pb.fits') };
}

/** X.fits → X.fits, X.weight.fits, X.png, X.qa.json. */
export function mosaicProducts(out: string): MosaicProducts {
  const stem = out.replace(/\.fits?$/i, '');
  return { mosaic: out, weight: `${stem}.weight.fits`, thumbnail: `${stem}.png`, qa: `${stem}.qa.json` };
}

export async function mosaicCommand(images: readonly string[], options: MosaicCommandOptions): Promise<MosaicResult> {
  const products = mosaicProducts(options.out);
  const result = await buildMosaic(images.map(tileInput), products, { mosaicId: basename(options.out).replace(/\.fits?$/i, ''), pbCutoff: options.pbCutoff, interpolation: options.interpolation });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...result, products }, null, 2)}\n`);
    return result;
  }
  const { qa } = result;
  process.stdout.write(
    `${options.out}: ${qa.tiles} tiles, ${result.width} × ${result.height} px of ${result.cellArcsec.toFixed(2)}″ centred at RA ${result.centre.raDeg.toFixed(4)}°, Dec ${result.centre.decDeg.toFixed(4)}°\n` +
      `  rms ${(qa.rmsJy * 1e3).toFixed(3)} mJy/beam, peak ${qa.peakJy.toFixed(4)} Jy/beam, coverage ${(100 * qa.coverage).toFixed(1)} % (${qa.areaDeg2.toFixed(2)} deg²)\n` +
      `  weight map ${products.weight}, thumbnail ${products.thumbnail}, QA ${products.qa}\n`,
  );
  return result;
}
