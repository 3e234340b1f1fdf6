import { describe, expect, it } from 'vitest';
import { completeWindows, DEC_TOLERANCE_DEG, MOSAIC_STRIDE, slotOf, slotTimeMs, stripOf, TILES_PER_MOSAIC, type Tile } from '../../../src/science/mosaic/index.js';

/** A window's first slot in January 2026. */
const FIRST_SLOT = MOSAIC_STRIDE * Math.round(slotOf('2026-01-25T03:00:00') / MOSAIC_STRIDE);
/** The group id `slots` after FIRST_SLOT, its start `jitterS` off the slot's nominal time. */
const groupAt = (slots: number, jitterS = 0) => new Date(slotTimeMs(FIRST_SLOT + slots) + jitterS * 1000).toISOString().slice(0, 19);
const tile = (slots: number, decDeg = 54.6, jitterS = 0): Tile => ({ imageId: `img${slots}`, groupId: groupAt(slots, jitterS), decDeg, imagePath: `/i/${slots}`, pbPath: `/p/${slots}` });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('slots and strips', () => {
  it('puts groups one cadence apart in consecutive slots, whatever the jitter of their start times', () => {
    for (let k = 0; k < 300; k++) expect(slotOf(groupAt(k, ((k * 37) % 61) - 30))).toBe(FIRST_SLOT + k);
  });

  it('labels declinations to 0.1°', () => {
    expect(stripOf(54.6)).toBe('dec+54.6');
    expect(stripOf(54.63)).toBe('dec+54.6');
    expect(stripOf(54.66)).toBe('dec+54.7');
    expect(stripOf(-3.21)).toBe('dec-3.2');
  });

  it('rejects a group id that is not a time', () => {
    expect(() => slotOf('not-a-time')).toThrow(/not-a-time/);
  });
});

describe('completeWindows', () => {
  it('writes nothing until all 12 slots of a window hold a tile', () => {
    expect(completeWindows(tile(10), range(0, 10).map((s) => tile(s)))).toEqual([]);
  });

  it('completes the window whose last tile arrives, 12 tiles in time order, and its neighbour once that is full too', () => {
    const [window] = completeWindows(tile(11), range(0, 11).map((s) => tile(s)));
    expect(window!.tiles.map((t) => t.imageId)).toEqual(range(0, 12).map((s) => `img${s}`));
    expect(window!.tiles).toHaveLength(TILES_PER_MOSAIC);
    expect(window!.mosaicId).toBe(`dec+54.6_w${String(window!.index).padStart(6, '0')}`);
    // slot 12 arriving after 13–17 completes slots 6–17; slots 12–23 still lack 18–23
    const next = completeWindows(tile(12), [...range(0, 12), ...range(13, 18)].map((s) => tile(s)));
    expect(next.map((w) => [w.index, w.tiles[0]!.imageId])).toEqual([[window!.index + 1, 'img6']]);
  });

  it('gives each tile to exactly two windows, stride 6', () => {
    const all = range(0, 36).map((s) => tile(s));
    const windowsOf = (s: number) => completeWindows(tile(s), all).map((w) => w.tiles.map((t) => t.imageId));
    expect(windowsOf(14)).toEqual([range(6, 18).map((s) => `img${s}`), range(12, 24).map((s) => `img${s}`)]);
  });

  it('leaves a window with a missing slot incomplete instead of shifting it', () => {
    const withGap = range(0, 24).filter((s) => s !== 8).map((s) => tile(s));
    expect(completeWindows(tile(11), withGap)).toEqual([]);
    expect(completeWindows(tile(13), withGap).map((w) => w.tiles[0]!.imageId)).toEqual(['img12']);
  });

  it('counts only tiles at the trigger\'s declination, and a window only of tiles at one declination', () => {
    const elsewhere = range(0, 11).map((s) => tile(s, 40.2));
    expect(completeWindows(tile(11), elsewhere)).toEqual([]);
    const [window] = completeWindows(tile(11, 40.2), elsewhere);
    expect(window!.strip).toBe('dec+40.2');
    // each tile within the tolerance of the trigger, but not of each other
    const spread = range(0, 11).map((s) => tile(s, s < 6 ? 40.2 - DEC_TOLERANCE_DEG : 40.2 + 0.9 * DEC_TOLERANCE_DEG));
    expect(completeWindows(tile(11, 40.2), spread)).toEqual([]);
  });

  it('keeps a window whole when the J2000 declination drifts across a label boundary', () => {
    const drifting = range(0, 11).map((s) => tile(s, 54.549 + s * 0.0002));
    const [window] = completeWindows(tile(11, 54.5512), drifting);
    expect(window!.tiles).toHaveLength(TILES_PER_MOSAIC);
    expect(window!.mosaicId.startsWith('dec+54.5_w')).toBe(true);
    expect(completeWindows(tile(5, 54.55), [...drifting, tile(11, 54.5512)]).map((w) => w.mosaicId)).toEqual([window!.mosaicId]);
  });

  it('takes the last tile given for a slot (a reprocessed group)', () => {
    const tiles = [...range(0, 11).map((s) => tile(s)), { ...tile(3), imageId: 'img3-again' }];
    expect(completeWindows(tile(11), tiles)[0]!.tiles[3]!.imageId).toBe('img3-again');
  });
});
