/** Why calibration could not run or produced nothing usable; `code` is stable for events and exit codes. */
export type CalibrationErrorCode =
  | 'no-calibrator' // no source to model: no calibrator given or found in the beam
  | 'model-zero' // the predicted MODEL_DATA is zero
  | 'solve-failed' // the solver found nothing to solve (all flagged, too few antennas)
  | 'corrected-invalid' // CORRECTED_DATA has zero or non-finite unflagged values
  | 'bad-table'; // a calibration table that cannot be applied

export class CalibrationError extends Error {
  override readonly name = 'CalibrationError';

  constructor(
    readonly code: CalibrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
