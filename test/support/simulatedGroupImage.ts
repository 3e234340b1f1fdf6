/**
 * A WSClean image of a small simulated group: 24 antennas, 32 channels, 4 subbands, 6 integrations,
 * no gains or RFI, only the given sources; converted to a MeasurementSet and imaged in quick mode.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertGroup } from '../../src/science/convert/index.js';
import { imageMs, type ImageOptions, type ImageResult } from '../../src/science/image/index.js';
import type { SkySource } from '../../src/science/simulate/sky.js';
import { simulate } from '../../src/science/simulate/simulate.js';

/** Points 0.1°–0.13° off the pointing (near RA 337.70°, Dec 16.14° at mid-group), inside the 0.59° quick-mode field; flat spectra. */
export const FIELD_SOURCES = [
  { name: 'J337.7800+16.2000', raDeg: 337.78, decDeg: 16.2, fluxJy: 1.5, spectralIndex: 0 },
  { name: 'J337.6200+16.0600', raDeg: 337.62, decDeg: 16.06, fluxJy: 1, spectralIndex: 0 },
  { name: 'J337.7400+16.0200', raDeg: 337.74, decDeg: 16.02, fluxJy: 0.6, spectralIndex: 0 },
  { name: 'J337.6600+16.2400', raDeg: 337.66, decDeg: 16.24, fluxJy: 0.3, spectralIndex: 0 },
];

export interface SimulatedGroupImage {
  readonly groupId: string;
  /** The simulator's JSON ground truth. */
  readonly truthPath: string;
  readonly ms: string;
  readonly midMjd: number;
  readonly image: ImageResult;
}

/** Simulates into `<dir>/raw`, converts to `<dir>/group.ms` and images it as `group.quick` under `options.imagesDir`. */
export async function imageSimulatedGroup(
  dir: string,
  sources: readonly Omit<SkySource, 'origin'>[],
  options: Pick<ImageOptions, 'imagesDir' | 'settings' | 'onProgress'>,
): Promise<SimulatedGroupImage> {
  const sim = await simulate({
    outDir: join(dir, 'raw'),
    antennas: 24,
    channels: 32,
    subbands: 4,
    integrations: 6,
    gains: false,
    rfi: false,
    catalogs: [],
    sources: sources.map((s) => ({ origin: 'user', ...s })),
  });
  const group = sim.written[0]!;
  const { groupId } = JSON.parse(await readFile(group.truthPath, 'utf8')) as { groupId: string };
  const ms = join(dir, 'group.ms');
  const { midMjd } = await convertGroup({ files: [...group.files], out: ms });
  const image = await imageMs(ms, { mode: 'quick', imageId: 'group.quick', groupId, ...options });
  return { groupId, truthPath: group.truthPath, ms, midMjd, image };
}
