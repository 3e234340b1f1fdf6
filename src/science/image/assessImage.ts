/**
 * Image QA of one imaged group: measures the restored image, grades it, and writes the QA JSON
 * and a PNG thumbnail beside the products (each written under a temporary name and renamed).
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitsReadImage } from '../../../native/index.js';
import { numberCard, restoringBeam } from './fitsHeader.js';
import type { MsFacts } from './msFacts.js';
import { gradeQa, measureQa, type QaMetrics, type QaThresholds, type QaVerdict } from './qa.js';
import { thumbnailPng } from './thumbnail.js';

export interface Assessment {
  readonly metrics: QaMetrics;
  readonly verdict: QaVerdict;
  readonly artifacts: { readonly qa: string; readonly thumbnail: string };
}

async function writeWhole(path: string, data: string | Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

export async function assessImage(imagePath: string, facts: MsFacts, thresholds: QaThresholds, artifactsDir: string): Promise<Assessment> {
  const image = await fitsReadImage(imagePath);
  const [nx, ny] = [image.shape[0] ?? 0, image.shape[1] ?? 0];
  const pixels = image.data.subarray(0, nx * ny);
  const metrics = measureQa({
    pixels,
    nx,
    ny,
    cellArcsec: Math.abs(numberCard(image.cards, 'CDELT2', imagePath)) * 3600,
    beam: restoringBeam(image.cards, imagePath),
    facts,
  });
  const verdict = gradeQa(metrics, thresholds);
  const artifacts = { qa: join(artifactsDir, 'qa.json'), thumbnail: join(artifactsDir, 'thumbnail.png') };
  await writeWhole(artifacts.thumbnail, thumbnailPng({ pixels, nx, ny, rmsJy: metrics.robustRmsJy, peakJy: metrics.peakJy }));
  await writeWhole(artifacts.qa, `${JSON.stringify({ image: imagePath, ...verdict, ...metrics, thresholds }, null, 2)}\n`);
  return { metrics, verdict, artifacts };
}
