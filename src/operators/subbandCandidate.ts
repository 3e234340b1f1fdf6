import type { SubbandName } from '../domain/subbandFile.js';
import type { FileArrival } from '../streams/watchIncoming.js';

/** A file on its way through ingest: its parsed name, or why it cannot be a subband file. */
export type SubbandCandidate =
  | { readonly file: FileArrival; readonly name: SubbandName; readonly problem?: undefined }
  | { readonly file: FileArrival; readonly name?: undefined; readonly problem: string };
