/** Why sources could not be found or cross-matched. */
export type SourceFinderErrorCode =
  /** The image is missing, unreadable, or lacks what the finder needs (RA/Dec axes, a restoring beam). */
  'bad-input';

export class SourceFinderError extends Error {
  override readonly name = 'SourceFinderError';

  constructor(
    readonly code: SourceFinderErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
