import type Database from 'better-sqlite3';
import { mosaicTileCandidates, writtenMosaics } from '../../projections/mosaics.js';
import { completeWindows, DEC_TOLERANCE_DEG, MOSAIC_STRIDE, TILES_PER_MOSAIC } from '../../science/mosaic/index.js';
import { GROUP_CADENCE_S } from '../../science/simulate/layout.js';
import type { PendingMosaics } from '../../stages/mosaic.js';

/** Group ids a whole cadence-window beyond the two windows a tile can complete. */
function groupRange(groupId: string): { fromGroup: string; toGroup: string } {
  const span = (TILES_PER_MOSAIC + MOSAIC_STRIDE) * GROUP_CADENCE_S * 1000;
  const t = Date.parse(`${groupId}Z`);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  return { fromGroup: iso(t - span), toGroup: iso(t + span) };
}

/**
 * The mosaic windows a tile completes, from the read models: the images graded so far near its time
 * and declination (joined to their MeasurementSets), less the windows already mosaicked.
 */
export function readModelMosaics(readModels: Database.Database): PendingMosaics {
  return (tile) => {
    const candidates = mosaicTileCandidates(readModels, { ...groupRange(tile.groupId), minDecDeg: tile.decDeg - DEC_TOLERANCE_DEG, maxDecDeg: tile.decDeg + DEC_TOLERANCE_DEG }).flatMap((row) => {
      const { image: imagePath, pb: pbPath } = row.products;
      return imagePath && pbPath ? [{ imageId: row.imageId, groupId: row.groupId, decDeg: row.decDeg, imagePath, pbPath }] : [];
    });
    const windows = completeWindows(tile, candidates);
    const written = writtenMosaics(readModels, windows.map((w) => w.mosaicId));
    return windows.filter((w) => !written.has(w.mosaicId));
  };
}
