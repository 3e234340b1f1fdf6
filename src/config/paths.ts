import { resolve } from 'node:path';

/** Where everything lives under the data directory (DESIGN §7). */
export function dataPaths(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    eventLog: resolve(root, 'state', 'events.sqlite'),
    readModels: resolve(root, 'state', 'readmodels.sqlite'),
    replayScratch: resolve(root, 'state', 'replay-scratch.sqlite'),
    quarantine: resolve(root, 'quarantine'),
    /** Ground truth of simulated groups (`contimg run --simulate`). */
    truth: resolve(root, 'truth'),
  } as const;
}
