/**
 * Which hourly mosaics a set of tiles makes. DSA-110 drifts: a group every 309.24 s gives one
 * tile at the pointing declination, 1.29° further in RA than the last. A mosaic is 12 consecutive
 * tiles, a new one every 6 (each tile in two mosaics).
 *
 * Windows are fixed in time, not found from the tiles at hand: a group's time slot is its start
 * time in cadences since a fixed epoch (rounded), window k holds slots 6k … 6k+11, and its tiles
 * must share a declination. So a window is the same whichever tiles arrive first, late or twice,
 * and a missing or bad group leaves the two windows it belongs to incomplete instead of shifting
 * every later window. Rounding absorbs the correlator's jitter (seconds against the 309 s slot).
 *
 * "The same declination" is a tolerance, not a rounding: the tiles' J2000 declination (the MS
 * phase centre) drifts by ~0.01° an hour at a fixed apparent pointing (precession), so rounding
 * each tile could split a window at a boundary; re-pointing moves it by degrees.
 */
import { GROUP_CADENCE_S } from '../simulate/layout.js';

export const TILES_PER_MOSAIC = 12;
export const MOSAIC_STRIDE = 6;
/** Slots count from here: any fixed instant does, as long as it never changes. */
const SLOT_EPOCH_MS = Date.UTC(2020, 0, 1);
/** The tiles of a window are within this many degrees of declination of each other. */
export const DEC_TOLERANCE_DEG = 0.3;
/** Mosaic ids name the declination to this step (degrees). */
const DEC_LABEL_DEG = 0.1;

export interface Tile {
  readonly imageId: string;
  /** The group id: its start time, UTC (YYYY-MM-DDTHH:MM:SS). */
  readonly groupId: string;
  readonly decDeg: number;
  readonly imagePath: string;
  readonly pbPath: string;
}

export interface MosaicWindow {
  /** `dec+54.6_w012345`: the first tile's declination and the window index, unique and stable. */
  readonly mosaicId: string;
  readonly strip: string;
  readonly index: number;
  /** In time order, one per slot. */
  readonly tiles: readonly Tile[];
}

export function slotOf(groupId: string): number {
  const ms = Date.parse(`${groupId}Z`);
  if (!Number.isFinite(ms)) throw new RangeError(`group id "${groupId}" is not a UTC time`);
  return Math.round((ms - SLOT_EPOCH_MS) / 1000 / GROUP_CADENCE_S);
}

/** The nominal start time of a slot, ms since 1970 (a group starting within half a cadence of it has that slot). */
export function slotTimeMs(slot: number): number {
  return SLOT_EPOCH_MS + slot * GROUP_CADENCE_S * 1000;
}

/** A declination's label, e.g. `dec+54.6`. */
export function stripOf(decDeg: number): string {
  const rounded = Math.round(decDeg / DEC_LABEL_DEG) * DEC_LABEL_DEG;
  return `dec${rounded >= 0 ? '+' : '-'}${Math.abs(rounded).toFixed(1)}`;
}

/** The two windows a slot belongs to, earlier first. */
export function windowsOfSlot(slot: number): number[] {
  const last = Math.floor(slot / MOSAIC_STRIDE);
  return [last - 1, last];
}

export function mosaicIdOf(strip: string, index: number): string {
  return `${strip}_w${String(index).padStart(6, '0')}`;
}

/**
 * The windows containing `trigger` whose 12 slots all hold a tile among `tiles` (usable tiles
 * only: the caller leaves out images graded bad or without a beam) within DEC_TOLERANCE_DEG of
 * the trigger's declination, and of each other. When a slot has several tiles (a reprocessed
 * group under another image id), the last one given wins.
 */
export function completeWindows(trigger: Tile, tiles: readonly Tile[]): MosaicWindow[] {
  const bySlot = new Map<number, Tile>();
  for (const tile of tiles) {
    if (Math.abs(tile.decDeg - trigger.decDeg) <= DEC_TOLERANCE_DEG) bySlot.set(slotOf(tile.groupId), tile);
  }
  bySlot.set(slotOf(trigger.groupId), trigger);
  return windowsOfSlot(slotOf(trigger.groupId)).flatMap((index) => {
    const members = Array.from({ length: TILES_PER_MOSAIC }, (_, i) => bySlot.get(index * MOSAIC_STRIDE + i));
    if (members.some((tile) => tile === undefined)) return [];
    const window = members as Tile[];
    const decs = window.map((t) => t.decDeg);
    if (Math.max(...decs) - Math.min(...decs) > DEC_TOLERANCE_DEG) return [];
    const strip = stripOf(window[0]!.decDeg);
    return [{ mosaicId: mosaicIdOf(strip, index), strip, index, tiles: window }];
  });
}
