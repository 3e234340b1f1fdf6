import type { Logger } from 'pino';
import { convertGroup, type ConvertResult } from '../../science/convert/index.js';

export interface ConvertCommandOptions {
  out: string;
  stations?: string;
  json?: boolean;
}

/** `contimg convert --out X.ms FILE...`: one group of subband files to one MeasurementSet. */
export async function convertCommand(files: string[], options: ConvertCommandOptions, log: Logger): Promise<ConvertResult> {
  const result = await convertGroup({ files, out: options.out, ...(options.stations !== undefined && { stationsCsv: options.stations }) });
  log.debug({ out: result.out, rows: result.rows, seconds: result.seconds }, 'converted');
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const s = result.seconds;
    process.stdout.write(
      `${result.out}: ${result.rows} rows = ${result.integrations} integrations × ${result.spectralWindows} SPWs × ${result.baselines} baselines; ` +
        `${result.channelsPerWindow} channels per SPW, ${(result.minFreqHz / 1e6).toFixed(4)}–${(result.maxFreqHz / 1e6).toFixed(4)} MHz; ` +
        `phase centre J2000 RA ${result.phaseCentre.raDeg.toFixed(6)}° Dec ${result.phaseCentre.decDeg.toFixed(6)}°\n` +
        `  ${(result.dataBytes / 1e6).toFixed(1)} MB of DATA; plan ${s.plan.toFixed(2)} s, write ${s.write.toFixed(2)} s, validate ${s.validate.toFixed(2)} s, total ${s.total.toFixed(2)} s\n`,
    );
  }
  return result;
}
