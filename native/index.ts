// The one place that loads the native core: it validates arguments, which the C++ side trusts.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBinding, TableInfo } from './binding.js';

export type { ColumnInfo, TableInfo } from './binding.js';

const BINDING_PATH = 'native/build/Release/contimg_native.node';

/** A failure inside casacore; the stack points at the JS call that started the operation. */
export class CasacoreError extends Error {
  override readonly name = 'CasacoreError';
  readonly code = 'ECASACORE';
}

// This file runs as native/index.ts (vitest, tsx) and as dist/native/index.js.
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`contimg: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

function loadBinding(): NativeBinding {
  const path = join(packageRoot(), BINDING_PATH);
  try {
    return createRequire(import.meta.url)(path) as NativeBinding;
  } catch (cause) {
    throw new Error(
      `contimg: cannot load the native core ${path}\n` +
        'Possible causes: it has not been built; it was built for another Node.js version; ' +
        'the casacore libraries it links (libcasa_tables, libcasa_casa) are missing.\n' +
        'Fix: run scripts/bootstrap, or install casacore-dev and run npm run build:native.\n' +
        `Loader said: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

const binding = loadBinding();

function requireNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    const actual = typeof value === 'string' ? 'an empty string' : typeof value;
    throw new TypeError(`${name} must be a non-empty string, got ${actual}`);
  }
}

/** Describe a casacore table (row count, columns, subtables) without blocking the event loop. */
export function tableInfo(path: string): Promise<TableInfo> {
  requireNonEmptyString('path', path);
  // Created now so that its stack shows the caller, not a libuv callback; V8 formats the stack when it
  // is first read, so the message set on rejection still heads it.
  const error = new CasacoreError();
  return binding.tableInfo(path).catch((nativeError: unknown) => {
    error.message = nativeError instanceof Error ? nativeError.message : String(nativeError);
    throw error;
  });
}
