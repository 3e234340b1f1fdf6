/** Why an image could not be made or measured. */
export type ImageErrorCode =
  /** The MeasurementSet is missing or unreadable. */
  | 'bad-input'
  /** WSClean exited with an error or was killed. */
  | 'wsclean-failed'
  /** WSClean ran longer than the timeout and was killed. */
  | 'timeout'
  /** The caller aborted the run. */
  | 'aborted'
  /** WSClean finished but a product is missing or unreadable. */
  | 'invalid-output';

export class ImageError extends Error {
  override readonly name = 'ImageError';

  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [${code}]`, options);
  }

  /** Bad input and aborts cannot be fixed by another attempt; a crash or a timeout may be. */
  get retryable(): boolean {
    return this.code === 'wsclean-failed' || this.code === 'timeout';
  }
}
