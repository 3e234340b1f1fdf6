/** Why a set of subband files cannot become one MeasurementSet. */
export type ConvertErrorCode =
  /** The files do not belong to one group (declination, shapes, antennas, times, frequencies). */
  | 'mismatched-group'
  /** A file is internally unusable for conversion (row layout, frequency axis, polarisations). */
  | 'unsupported-layout'
  /** A file holds values no measurement has: NaN or infinite visibilities. */
  | 'non-finite-data'
  /** The output exists already. */
  | 'output-exists'
  /** The written MS failed its checks on reopening. */
  | 'invalid-output';

/** A conversion failure; `files` names the inputs to blame (empty when none is). */
export class ConvertError extends Error {
  override readonly name = 'ConvertError';

  constructor(
    readonly code: ConvertErrorCode,
    readonly files: readonly string[],
    detail: string,
  ) {
    super(`${detail}${files.length > 0 ? ` (files: ${files.join(', ')})` : ''} [${code}]`);
  }
}
