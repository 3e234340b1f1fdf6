/**
 * A PNG thumbnail of an image plane: block-averaged to at most `maxSide` pixels, then an asinh
 * stretch that keeps the noise visible (linear over a few σ) and compresses bright sources. North
 * is up and east left, as the FITS grid has it (row 0 of the PNG is the top, the FITS grid's last row).
 */
import { PNG } from 'pngjs';

export interface ThumbnailInput {
  readonly pixels: Float32Array;
  readonly nx: number;
  readonly ny: number;
  /** The image noise, σ: sets the linear part of the stretch. */
  readonly rmsJy: number;
  readonly peakJy: number;
  readonly maxSide?: number;
}

/** The grey level (0–255) of a value: 0 at −2σ, asinh-compressed up to the peak. */
export function asinhLevel(value: number, rms: number, peak: number): number {
  if (!Number.isFinite(value)) return 0;
  const low = -2 * rms;
  const softening = 3 * rms;
  const top = Math.asinh((Math.max(peak, low + softening) - low) / softening);
  const level = Math.asinh((Math.max(value, low) - low) / softening) / top;
  return Math.round(255 * Math.min(1, level));
}

export function thumbnailPng(input: ThumbnailInput): Buffer {
  const maxSide = input.maxSide ?? 512;
  const factor = Math.max(1, Math.ceil(Math.max(input.nx, input.ny) / maxSide));
  const width = Math.ceil(input.nx / factor);
  const height = Math.ceil(input.ny / factor);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.alloc(width * height);
  for (let ty = 0; ty < height; ty++) {
    for (let tx = 0; tx < width; tx++) {
      let sum = 0;
      let n = 0;
      for (let y = ty * factor; y < Math.min(input.ny, (ty + 1) * factor); y++) {
        for (let x = tx * factor; x < Math.min(input.nx, (tx + 1) * factor); x++) {
          const v = input.pixels[y * input.nx + x]!;
          if (Number.isFinite(v)) {
            sum += v;
            n++;
          }
        }
      }
      // Averaging lowers the noise by the block side: the stretch follows.
      grey[(height - 1 - ty) * width + tx] = n > 0 ? asinhLevel(sum / n, input.rmsJy / factor, input.peakJy) : 0;
    }
  }
  png.data = grey;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}
