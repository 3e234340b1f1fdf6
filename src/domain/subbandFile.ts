/** What a correlator file's name says: `YYYY-MM-DDTHH:MM:SS_sbNN.hdf5`. */
export interface SubbandName {
  /** The name's timestamp, ISO second, no zone (UTC). */
  readonly timestamp: string;
  readonly timeMs: number;
  readonly subband: number;
}

const NAME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})_sb(\d{2})\.hdf5$/;

/** Parses a file name; a string is the reason it is not a subband file. */
export function parseSubbandName(fileName: string): SubbandName | string {
  const match = NAME.exec(fileName);
  if (!match) return `name ${JSON.stringify(fileName)} is not YYYY-MM-DDTHH:MM:SS_sbNN.hdf5`;
  const [, timestamp, subband] = match as unknown as [string, string, string];
  const timeMs = Date.parse(`${timestamp}Z`);
  if (Number.isNaN(timeMs) || new Date(timeMs).toISOString().slice(0, 19) !== timestamp) {
    return `name ${JSON.stringify(fileName)} has an impossible timestamp ${timestamp}`;
  }
  return { timestamp, timeMs, subband: Number(subband) };
}
