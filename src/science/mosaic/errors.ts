/** Why a mosaic could not be made. */
export type MosaicErrorCode =
  /** A tile is missing, unreadable, or not an image with a celestial WCS and a matching beam. */
  | 'bad-input'
  /** The tiles span more sky than a mosaic grid may hold. */
  | 'too-large';

export class MosaicError extends Error {
  override readonly name = 'MosaicError';

  constructor(
    readonly code: MosaicErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [${code}]`, options);
  }
}
