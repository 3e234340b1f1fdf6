import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type Database from 'better-sqlite3';
import { imageOf } from '../projections/products.js';
import { ApiError } from './errors.js';

/**
 * The file behind one of an image's products, resolved through symlinks: 404 for an unknown image,
 * product or a file no longer on disk, 403 when it resolves outside `root` (the images directory).
 */
export async function imageProductFile(db: Database.Database, root: string, id: string, product: string): Promise<string> {
  const image = imageOf(db, id);
  if (!image) throw new ApiError(404, 'IMAGE_NOT_FOUND', `no image ${id}`);
  const path = image.products[product];
  if (path === undefined) throw new ApiError(404, 'PRODUCT_NOT_FOUND', `image ${id} has no ${product}; it has ${Object.keys(image.products).join(', ')}`);
  return insideRoot(root, path, `the ${product} of image ${id}`);
}

/** `path` resolved through symlinks if it lies inside `root`; 404 when it is gone, 403 when it escapes. */
export async function insideRoot(root: string, path: string, what: string): Promise<string> {
  const [realRoot, real] = await Promise.all([realpath(root).catch(() => root), realpath(path).catch(() => null)]);
  if (real === null) throw new ApiError(404, 'FILE_GONE', `${what} is no longer on disk`);
  if (!real.startsWith(realRoot + sep)) throw new ApiError(403, 'OUTSIDE_DATA_ROOT', `${what} lies outside the data directory`);
  return real;
}
