import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { CATALOG_DB_FILE, CatalogDb } from '../catalogs/catalogDb.js';
import { dataPaths } from '../config/paths.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { imageProductFile } from './productFiles.js';
import { errorReplies, FieldSources, FieldSourcesQuery, FileReply, ImageFileParams, SkyImageView, SkyPosition, SkyPositionQuery } from './schemas.js';
import { loadSkyImage, pixelsToSky, skyFootprint, skyToPixels, type SkyImage } from './skyImage.js';

const finiteOrNull = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
const replies = { 400: errorReplies[400], 403: errorReplies[403], 404: errorReplies[404], 422: errorReplies[422] };

/** The value of the pixel nearest a FITS position, null off the image or blank. */
function valueAt(image: SkyImage, x: number, y: number): number | null {
  const [i, j] = [Math.round(x), Math.round(y)];
  if (i < 1 || j < 1 || i > image.width || j > image.height) return null;
  return finiteOrNull(image.plane[(j - 1) * image.width + (i - 1)]);
}

/**
 * The image viewer's data: a FITS product's first plane as float32 pixels, sky positions of pixels
 * (wcslib over the file's own header), and the catalog sources in its field. Files come only from
 * inside the images directory, as for downloads.
 */
export const skyRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { readModels, config }, done) => {
  const paths = dataPaths(config.dataDir);
  const skyImage = async (id: string, product: string) => loadSkyImage(await imageProductFile(readModels.db, paths.images, id, product), `the ${product} of image ${id}`);

  app.get('/images/:id/sky/:product', { schema: { params: ImageFileParams, response: { 200: SkyImageView, ...replies } } }, async (request) => {
    const { id, product } = request.params;
    const image = await skyImage(id, product);
    const { raDeg, decDeg, radiusDeg } = await skyFootprint(image);
    const { width, height, planes, unit, frequencyHz } = image;
    return { imageId: id, product, width, height, planes, unit, frequencyHz, centre: { raDeg: finiteOrNull(raDeg), decDeg: finiteOrNull(decDeg) }, radiusDeg };
  });

  app.get(
    '/images/:id/sky/:product/pixels',
    { schema: { params: ImageFileParams, response: { 200: FileReply, ...replies }, description: 'the first plane as little-endian float32, NAXIS1 fastest, FITS row 1 first; blanks are NaN' } },
    async (request, reply) => {
      const { plane, width, height } = await skyImage(request.params.id, request.params.product);
      const bytes = Buffer.from(plane.buffer, plane.byteOffset, plane.byteLength);
      return reply.type('application/octet-stream').header('x-image-width', width).header('x-image-height', height).send(bytes);
    },
  );

  app.get('/images/:id/sky/:product/position', { schema: { params: ImageFileParams, querystring: SkyPositionQuery, response: { 200: SkyPosition, ...replies } } }, async (request) => {
    const { x, y } = request.query;
    const image = await skyImage(request.params.id, request.params.product);
    const [placed] = await pixelsToSky(image, [[x, y]]);
    return { x, y, raDeg: finiteOrNull(placed?.raDeg), decDeg: finiteOrNull(placed?.decDeg), value: valueAt(image, x, y) };
  });

  app.get(
    '/images/:id/sky/:product/sources',
    { schema: { params: ImageFileParams, querystring: FieldSourcesQuery, response: { 200: FieldSources, ...replies } } },
    async (request) => {
      const { catalog, minFluxJy, limit } = request.query;
      const image = await skyImage(request.params.id, request.params.product);
      if (!existsSync(join(paths.catalogs, CATALOG_DB_FILE))) throw new ApiError(404, 'NO_CATALOG_DB', `no catalog database in ${paths.catalogs}: run contimg catalog import`);
      const field = await skyFootprint(image);
      if (!Number.isFinite(field.raDeg) || !Number.isFinite(field.decDeg)) throw new ApiError(422, 'NO_SKY_CENTRE', 'the image centre has no sky position');
      const db = CatalogDb.open(paths.catalogs, { readonly: true });
      const [catalogs, matches] = (() => {
        try {
          const known = db.catalogs();
          if (catalog !== undefined && !known.includes(catalog)) throw new ApiError(404, 'NO_SUCH_CATALOG', `no catalog ${catalog}; the database has ${known.join(', ') || 'none'}`);
          return [known, db.coneSearch(field.raDeg, field.decDeg, field.radiusDeg, { ...(catalog !== undefined && { catalogs: [catalog] }), ...(minFluxJy !== undefined && { minFluxJy }) })];
        } finally {
          db.close();
        }
      })();
      const pixels = await skyToPixels(image, matches.map((m) => [m.raDeg, m.decDeg] as const));
      const inside = matches
        .map((m, i) => ({ catalog: m.catalog, name: m.name, raDeg: m.raDeg, decDeg: m.decDeg, fluxJy: m.fluxJy, x: pixels[i]![0], y: pixels[i]![1] }))
        .filter(({ x, y }) => x >= 0.5 && y >= 0.5 && x <= image.width + 0.5 && y <= image.height + 0.5)
        .sort((a, b) => b.fluxJy - a.fluxJy);
      return { catalogs, sources: inside.slice(0, limit), truncated: inside.length > limit };
    },
  );
  done();
};
