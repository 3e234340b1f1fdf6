import { resolve } from 'node:path';

export type DataPaths = ReturnType<typeof dataPaths>;

/** Where everything lives under the data directory (DESIGN §7). */
export function dataPaths(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    eventLog: resolve(root, 'state', 'events.sqlite'),
    readModels: resolve(root, 'state', 'readmodels.sqlite'),
    replayScratch: resolve(root, 'state', 'replay-scratch.sqlite'),
    quarantine: resolve(root, 'quarantine'),
    /** Products, one entry per group (or per calibration set / image), each written once and moved into place whole. */
    ms: resolve(root, 'ms'),
    caltables: resolve(root, 'caltables'),
    images: resolve(root, 'images'),
    /** Catalog databases (`contimg catalog import`). */
    catalogs: resolve(root, 'catalogs'),
    /** Ground truth of simulated groups (`contimg run --simulate`). */
    truth: resolve(root, 'truth'),
  } as const;
}
