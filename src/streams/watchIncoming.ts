import { lstat, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { watch } from 'chokidar';
import { Observable } from 'rxjs';

/** A file that appeared in the incoming directory and stopped growing. */
export interface FileArrival {
  readonly path: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  /** Where the file really is, when its name is a symbolic link. */
  readonly linkTarget?: string;
}

export interface WatchOptions {
  /** Poll instead of inotify: for network filesystems, where change events do not arrive. */
  readonly polling: boolean;
  /** A file counts as written when its size has not changed for this long. */
  readonly stableMs: number;
}

/**
 * The files of a directory, first those already there (so a restart sees what arrived while it
 * was down), in name order, then each new one once its size is stable. Reports facts only:
 * duplicates, rescans and junk are for the log to settle. Errors when the watcher fails.
 */
export function watchIncoming(dir: string, { polling, stableMs }: WatchOptions): Observable<FileArrival> {
  return new Observable<FileArrival>((subscriber) => {
    const watcher = watch(dir, {
      depth: 0,
      // hidden files are writers' temporaries (renamed into place when complete), never arrivals
      ignored: (path: string) => path !== dir && basename(path).startsWith('.'),
      ignoreInitial: false,
      usePolling: polling,
      // by default chokidar skips files without the owner's read bit, silently: they must arrive, to be refused
      ignorePermissionErrors: true,
      interval: 500,
      awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: Math.min(100, stableMs) },
    });
    // Files already there are emitted once the scan is done, sorted by name (so by timestamp):
    // a restart then meets them in the same order every time.
    let initial: Promise<FileArrival | null>[] | null = [];
    watcher.on('add', (path) => {
      const arrival = describe(path).catch(() => null); // gone again before we looked: nothing arrived
      if (initial) initial.push(arrival);
      else void arrival.then((a) => a && subscriber.next(a));
    });
    watcher.on('ready', () => {
      const scanned = initial ?? [];
      initial = null;
      void Promise.all(scanned).then((arrivals) => {
        for (const a of arrivals.filter((x) => x !== null).sort((x, y) => x.name.localeCompare(y.name))) subscriber.next(a);
      });
    });
    watcher.on('error', (err) => subscriber.error(err));
    return () => void watcher.close();
  });
}

async function describe(path: string): Promise<FileArrival> {
  const [info, link] = await Promise.all([stat(path), lstat(path)]);
  const arrival = { path, name: basename(path), sizeBytes: info.size, mtimeMs: info.mtimeMs };
  return link.isSymbolicLink() ? { ...arrival, linkTarget: await realpath(path) } : arrival;
}
