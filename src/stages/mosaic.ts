/**
 * The mosaic stage: after a group's image is graded, every hourly window (12 consecutive tiles at
 * one declination, a new one every 6; see science/mosaic/windows.ts) that this tile completes is
 * mosaicked once, into DATA/mosaics/<mosaic id>/ (mosaic, weight map, QA, thumbnail), and recorded
 * as MosaicWritten. The other tiles come from the read models (`PendingMosaics`, given by the
 * pipeline); this group's own from its history, which the read models may not have caught up with.
 * A tile graded bad, or not assessed, does not count.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredEvent } from '../eventlog/event.js';
import { buildMosaic, MosaicError, type MosaicWindow, type Tile } from '../science/mosaic/index.js';
import { lastOfType, StageError, type StageContext, type StageDefinition } from './stage.js';

const DEG = 180 / Math.PI;

/** The windows `tile` completes with the tiles already imaged, less those already mosaicked. */
export type PendingMosaics = (tile: Tile) => readonly MosaicWindow[];

/** This group's tile, or why it is none. */
function ownTile(history: readonly StoredEvent[], groupId: string): Tile | string {
  const image = lastOfType(history, 'ImageWritten');
  const ms = lastOfType(history, 'MsWritten');
  if (!image || !ms) return 'no image (no ImageWritten or MsWritten event)';
  const qa = lastOfType(history, 'ImageQaMeasured');
  if (!qa || qa.payload.imageId !== image.payload.imageId) return `image ${image.payload.imageId} is not assessed (no ImageQaMeasured): run the validate stage first`;
  if (qa.payload.grade === 'bad') return `image ${image.payload.imageId} is graded bad`;
  const { image: imagePath, pb: pbPath } = image.payload.products;
  if (!imagePath || !pbPath) return `image ${image.payload.imageId} lists no 'image' or 'pb' product`;
  return { imageId: image.payload.imageId, groupId, decDeg: ms.payload.phaseCenterDecRad * DEG, imagePath, pbPath };
}

/** Builds the window's mosaic in a staging directory and moves it into place whole. */
async function writeWindow(context: StageContext, window: MosaicWindow) {
  const root = join(context.paths.root, 'mosaics');
  const dir = join(root, window.mosaicId);
  const staging = join(root, '.staging', `${window.mosaicId}.${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const files = { mosaic: 'mosaic.fits', weight: 'weight.fits', thumbnail: 'thumbnail.png', qa: 'qa.json' };
  try {
    const result = await buildMosaic(
      window.tiles,
      { mosaic: join(staging, files.mosaic), weight: join(staging, files.weight), thumbnail: join(staging, files.thumbnail), qa: join(staging, files.qa) },
      { mosaicId: window.mosaicId, pbCutoff: context.config['image.pbCutoff'], interpolation: 'bicubic', signal: context.signal },
    );
    await rm(dir, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    await rename(staging, dir);
    return { result, products: Object.fromEntries(Object.entries(files).map(([name, file]) => [name, join(dir, file)])) };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

export const mosaicStage = (pendingMosaics: PendingMosaics): StageDefinition => ({
  stage: 'mosaic',
  async run(context) {
    const { groupId, logger } = context;
    const tile = ownTile(context.history, groupId);
    if (typeof tile === 'string') {
      if (!lastOfType(context.history, 'ImageWritten')) throw new StageError(`group ${groupId} has ${tile}`, 'missing-image', false);
      logger.warn({ groupId }, `group ${groupId} is no mosaic tile: ${tile}`);
      return [];
    }
    const windows = pendingMosaics(tile);
    const events = [];
    for (const [i, window] of windows.entries()) {
      context.progress(i / windows.length, `mosaic ${window.mosaicId} of ${window.tiles.length} tiles`);
      try {
        const { result, products } = await writeWindow(context, window);
        events.push({
          type: 'MosaicWritten' as const,
          payload: {
            groupId,
            mosaicId: window.mosaicId,
            strip: window.strip,
            windowIndex: window.index,
            tiles: window.tiles.map((t) => ({ imageId: t.imageId, groupId: t.groupId })),
            products,
            widthPx: result.width,
            heightPx: result.height,
            cellArcsec: result.cellArcsec,
            centerRaDeg: result.centre.raDeg,
            centerDecDeg: result.centre.decDeg,
            rmsJy: result.qa.rmsJy,
            peakJy: result.qa.peakJy,
            coverage: result.qa.coverage,
            areaDeg2: result.qa.areaDeg2,
          },
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // A tile that cannot be read will not become readable by trying again.
        throw new StageError(`mosaic ${window.mosaicId}: ${message}`, error instanceof MosaicError ? error.code : 'mosaic-failed', !(error instanceof MosaicError), { cause: error });
      }
    }
    return events;
  },
});
