/** Reading values out of FITS header cards (as the native core returns them). */
import type { FitsCard } from '../../../native/index.js';
import { ImageError } from './errors.js';

export function cardValue(cards: readonly FitsCard[], name: string): FitsCard['value'] | undefined {
  return cards.find((c) => c.name === name)?.value;
}

export function numberCard(cards: readonly FitsCard[], name: string, file: string): number {
  const value = cardValue(cards, name);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ImageError('invalid-output', `${file}: header keyword ${name} is missing or not a number`);
  return value;
}

export function stringCard(cards: readonly FitsCard[], name: string, file: string): string {
  const value = cardValue(cards, name);
  if (typeof value !== 'string') throw new ImageError('invalid-output', `${file}: header keyword ${name} is missing or not a string`);
  return value;
}

/** The 1-based index of the axis whose CTYPE starts with `prefix` (e.g. 'FREQ', 'RA--'). */
export function axisOf(cards: readonly FitsCard[], prefix: string, file: string): number {
  for (let axis = 1; axis <= 9; axis++) {
    const type = cardValue(cards, `CTYPE${axis}`);
    if (typeof type === 'string' && type.startsWith(prefix)) return axis;
  }
  throw new ImageError('invalid-output', `${file}: no ${prefix} axis in the header`);
}

/** The restoring beam (BMAJ, BMIN, BPA in degrees) in arcsec and degrees. */
export function restoringBeam(cards: readonly FitsCard[], file: string): { majorArcsec: number; minorArcsec: number; paDeg: number } {
  return {
    majorArcsec: numberCard(cards, 'BMAJ', file) * 3600,
    minorArcsec: numberCard(cards, 'BMIN', file) * 3600,
    paDeg: numberCard(cards, 'BPA', file),
  };
}

/** MJD of an ISO date such as FITS DATE-OBS (UTC when no zone is given). */
export function mjdOfIso(iso: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (!Number.isFinite(ms)) throw new ImageError('invalid-output', `DATE-OBS "${iso}" is not an ISO date`);
  return ms / 86_400_000 + 40_587;
}
