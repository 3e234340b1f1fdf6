/** What went wrong with a UVH5 file, from the outside (the file as a whole) in. */
export type Uvh5ErrorCode =
  /** The file cannot be opened at all (missing, a directory, no permission). */
  | 'unreadable'
  | 'empty-file'
  /** No HDF5 signature where the format allows one. */
  | 'not-hdf5'
  /** Shorter than the end-of-file address its superblock records. */
  | 'truncated'
  /** HDF5 itself failed: corrupt metadata, a bad chunk, a missing filter. */
  | 'corrupt'
  | 'missing-field'
  /** A field has a datatype the format does not allow there. */
  | 'wrong-type'
  /** A field's shape disagrees with the named dimensions. */
  | 'wrong-shape'
  /** Fields that disagree with each other (counts, antenna references). */
  | 'inconsistent'
  /** A caller asked for rows outside [0, Nblts). */
  | 'out-of-range';

/** A UVH5 file that cannot be read as the model says; `field` is the HDF5 path or model field, if one is to blame. */
export class Uvh5Error extends Error {
  override readonly name = 'Uvh5Error';

  constructor(
    readonly code: Uvh5ErrorCode,
    readonly file: string,
    readonly field: string | null,
    detail: string,
  ) {
    super(`${file}${field === null ? '' : `: ${field}`}: ${detail} [${code}]`);
  }
}
