/**
 * Stage 3: the group's 16 subband files become `ms/<groupId>.ms`. A rerun (resume, retry,
 * reprocess) first removes whatever an earlier attempt left, so the product is written once, whole.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvertError, convertGroup, removeConversionLeftovers } from '../science/convert/index.js';
import { Uvh5Error } from '../science/uvh5/index.js';
import { directorySize } from './files.js';
import { StageError, type StageContext, type StageDefinition } from './stage.js';

const DEG = Math.PI / 180;

/** Where a group's MeasurementSet lives. */
export const msPathFor = (context: Pick<StageContext, 'paths' | 'groupId'>) => join(context.paths.ms, `${context.groupId}.ms`);

/** Bad input cannot get better by retrying; an unreadable file (permissions, a network mount) might. */
function classify(error: unknown): StageError {
  if (error instanceof StageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // A mismatch names the reference file first and the one that does not fit last.
  if (error instanceof ConvertError) return new StageError(message, error.code, error.code === 'invalid-output', { cause: error, blamedFiles: error.files.slice(-1) });
  if (error instanceof Uvh5Error) return new StageError(message, error.code, error.code === 'unreadable', { cause: error, blamedFiles: [error.file] });
  return new StageError(message, (error as { code?: string }).code ?? 'convert-failed', true, { cause: error });
}

export const convertStage: StageDefinition = {
  stage: 'convert',
  async run(context) {
    const { groupId, files, logger, signal } = context;
    const out = msPathFor(context);
    await mkdir(context.paths.ms, { recursive: true });
    const removed = await removeConversionLeftovers(out);
    if (removed.length > 0) logger.warn({ groupId, removed }, 'removed the leftovers of an interrupted conversion');
    try {
      const result = await convertGroup({ files, out, signal, onProgress: (f) => context.progress(f, 'writing integrations') });
      return [
        {
          type: 'MsWritten',
          payload: {
            groupId,
            msPath: result.out,
            rows: result.rows,
            spectralWindows: result.spectralWindows,
            channels: result.channelsPerWindow * result.spectralWindows,
            antennas: result.antennas,
            integrations: result.integrations,
            sizeBytes: await directorySize(result.out),
            phaseCenterRaRad: result.phaseCentre.raDeg * DEG,
            phaseCenterDecRad: result.phaseCentre.decDeg * DEG,
            midMjd: result.midMjd,
          },
        },
      ];
    } catch (error) {
      throw classify(error);
    }
  },
};
