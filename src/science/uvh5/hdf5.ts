/**
 * Read-only HDF5 access through h5wasm's low-level module (`get_dataset_data` into the WASM heap).
 *
 * Two h5wasm facts shape this file:
 * - h5wasm reports a missing object by throwing a JS error from inside WASM, which leaks WASM
 *   stack; a few thousand such throws corrupt the module. So every object is looked up with
 *   `get_type` first and never read when absent, and the throwing HDF5 error handler stays off.
 * - On an unreadable file HDF5 prints its error stack to stderr. The common cases (empty, not
 *   HDF5, truncated) are recognised from the superblock here first, with a precise error.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Metadata, ready } from 'h5wasm/node';
import { Uvh5Error } from './errors.js';

type H5Module = Awaited<typeof ready>;
export type { Metadata };

/** HDF5 datatype classes (H5T_class_t) as h5wasm reports them in Metadata.type. */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, ENUM: 8 } as const;

let modulePromise: Promise<H5Module> | undefined;

/** The h5wasm module, initialised once per process (~120 ms: it compiles the embedded WASM), with the LZF and other filter plugins. */
function h5Module(): Promise<H5Module> {
  modulePromise ??= import('h5wasm/node').then(async ({ ready }) => {
    const h5 = await ready;
    const pluginsPackage = createRequire(import.meta.url).resolve('h5wasm-plugins');
    h5.insert_plugin_search_path(join(dirname(pluginsPackage), 'plugins'), 0);
    return h5;
  });
  return modulePromise;
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const SUPERBLOCK_BYTES = 64;

/**
 * Rejects files HDF5 cannot open, before HDF5 sees them: not a regular file (a directory, a named
 * pipe), empty, no signature (at 0, 512, 1024, ...),
 * or shorter than the end-of-file address in the superblock.
 */
function checkContainer(file: string): void {
  let fd: number;
  try {
    // non-blocking, so that a named pipe is refused below instead of waiting for a writer forever
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new Uvh5Error('unreadable', file, null, (error as Error).message);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Uvh5Error('unreadable', file, null, 'not a regular file');
    const { size } = info;
    if (size === 0) throw new Uvh5Error('empty-file', file, null, 'the file is empty (0 bytes)');
    const block = Buffer.alloc(SUPERBLOCK_BYTES);
    for (let at = 0; at < size; at = at === 0 ? 512 : at * 2) {
      const got = readSync(fd, block, 0, SUPERBLOCK_BYTES, at);
      if (got < SIGNATURE.length || !block.subarray(0, SIGNATURE.length).equals(SIGNATURE)) continue;
      const endOfFile = storedEndOfFile(block.subarray(0, got));
      if (endOfFile !== undefined && size < endOfFile) {
        throw new Uvh5Error('truncated', file, null, `the file has ${size} bytes, its HDF5 superblock says ${endOfFile}`);
      }
      return;
    }
    throw new Uvh5Error('not-hdf5', file, null, 'no HDF5 signature: not an HDF5 file');
  } catch (error) {
    if (error instanceof Uvh5Error) throw error;
    throw new Uvh5Error('unreadable', file, null, (error as Error).message);
  } finally {
    closeSync(fd);
  }
}

/** Base address + end-of-file address from a superblock (HDF5 file format spec, versions 0–3). */
function storedEndOfFile(superblock: Buffer): number | undefined {
  const version = superblock[8];
  const layout =
    version === 0 ? { offsetSize: superblock[13], base: 24 } : version === 1 ? { offsetSize: superblock[13], base: 28 } : { offsetSize: superblock[9], base: 12 };
  if (version === undefined || version > 3 || layout.offsetSize !== 8) return undefined;
  const eofAt = layout.base + 2 * layout.offsetSize;
  if (superblock.length < eofAt + 8) return undefined;
  return Number(superblock.readBigUInt64LE(layout.base) + superblock.readBigUInt64LE(eofAt));
}

/** A hyperslab: `count` elements per axis starting at `offset`. */
export interface Selection {
  readonly offset: readonly number[];
  readonly count: readonly number[];
}

/** An HDF5 file open read-only. Every failure is a Uvh5Error naming the file and the object. */
export class Hdf5File {
  private closed = false;

  private constructor(
    private readonly h5: H5Module,
    readonly path: string,
    private readonly id: bigint,
  ) {}

  static async open(path: string): Promise<Hdf5File> {
    checkContainer(path);
    const h5 = await h5Module();
    const id = h5.open(path, h5.H5F_ACC_RDONLY, false);
    if (id < 0n) throw new Uvh5Error('corrupt', path, null, 'HDF5 cannot open the file (details on stderr)');
    return new Hdf5File(h5, path, id);
  }

  kind(objectPath: string): 'group' | 'dataset' | 'other' | 'absent' {
    const type = this.guard(objectPath, () => this.h5.get_type(this.id, objectPath));
    if (type < 0) return 'absent';
    return type === this.h5.H5G_GROUP ? 'group' : type === this.h5.H5G_DATASET ? 'dataset' : 'other';
  }

  /** Names of the members of a group that exists. */
  members(groupPath: string): string[] {
    return this.guard(groupPath, () => this.h5.get_names(this.id, groupPath, false));
  }

  /** Datatype and shape of a dataset that exists. */
  metadata(datasetPath: string): Metadata {
    return this.guard(datasetPath, () => this.h5.get_dataset_metadata(this.id, datasetPath));
  }

  /** The raw little-endian bytes of a whole dataset, or of a hyperslab of it. */
  read(datasetPath: string, metadata: Metadata, selection?: Selection): Uint8Array {
    const elements = selection ? selection.count.reduce((a, b) => a * b, 1) : metadata.total_size;
    return this.readInto(datasetPath, metadata.size * elements, selection, (pointer, bytes) => this.h5.HEAPU8.slice(pointer, pointer + bytes));
  }

  /** A whole variable-length string dataset. */
  readVariableStrings(datasetPath: string, metadata: Metadata): string[] {
    return this.readInto(datasetPath, 4 * metadata.total_size, undefined, (pointer) => {
      const pointers = new Uint32Array(this.h5.HEAPU8.buffer, pointer, metadata.total_size);
      const strings = Array.from(pointers, (p) => this.h5.UTF8ToString(p));
      this.h5.reclaim_vlen_memory(this.id, datasetPath, '', BigInt(pointer));
      return strings;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.h5.close_file(this.id);
  }

  private readInto<T>(datasetPath: string, bytes: number, selection: Selection | undefined, take: (pointer: number, bytes: number) => T): T {
    const pointer = bytes === 0 ? 0 : this.h5._malloc(bytes);
    if (bytes > 0 && pointer === 0) {
      throw new Uvh5Error('corrupt', this.path, datasetPath, `cannot allocate ${bytes} bytes in the 2 GiB WASM heap: read fewer rows at a time`);
    }
    try {
      const status = this.guard(datasetPath, () =>
        this.h5.get_dataset_data(
          this.id,
          datasetPath,
          selection ? selection.count.map(BigInt) : null,
          selection ? selection.offset.map(BigInt) : null,
          selection ? selection.count.map(() => 1n) : null,
          BigInt(pointer),
        ),
      );
      if (status < 0) throw new Uvh5Error('corrupt', this.path, datasetPath, 'HDF5 read failed (corrupt data or a missing filter; details on stderr)');
      return take(pointer, bytes);
    } finally {
      if (pointer !== 0) this.h5._free(pointer);
    }
  }

  /** Runs an h5wasm call; anything it throws (corrupt metadata, an unsupported type) becomes a Uvh5Error. */
  private guard<T>(objectPath: string, call: () => T): T {
    if (this.closed) throw new Uvh5Error('unreadable', this.path, objectPath, 'the file is already closed');
    try {
      return call();
    } catch (error) {
      if (error instanceof Uvh5Error) throw error;
      throw new Uvh5Error('corrupt', this.path, objectPath, `HDF5: ${(error as Error).message}`);
    }
  }
}
