import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { dataPaths } from '../config/paths.js';
import { imageOf, listImages, listMs, msOf, type ImageQuery } from '../projections/products.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { imageProductFile } from './productFiles.js';
import { cacheReplies } from './replyCache.js';
import { errorReplies, FileReply, GroupParams, ImageFileParams, ImagePage, ImageParams, ImageEntry, ImagesQuery, MsEntry, MsPage, MsQuery } from './schemas.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.fits': 'application/fits',
  '.png': 'image/png',
  '.json': 'application/json',
  '.log': 'text/plain; charset=utf-8',
};

/** The pipeline's products: MeasurementSets, images with their QA, and their files. */
export const productRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { readModels, config }, done) => {
  const imagesRoot = dataPaths(config.dataDir).images;
  cacheReplies(app, readModels, config['api.replyCacheMs']);

  app.get('/ms', { schema: { querystring: MsQuery, response: { 200: MsPage, 400: errorReplies[400] } } }, (request) => {
    const { before, limit } = request.query;
    return listMs(readModels.db, { limit, ...(before && { before }) });
  });

  app.get('/ms/:id', { schema: { params: GroupParams, response: { 200: MsEntry, 400: errorReplies[400], 404: errorReplies[404] } } }, (request) => {
    const entry = msOf(readModels.db, request.params.id);
    if (!entry) throw new ApiError(404, 'MS_NOT_FOUND', `no MeasurementSet for group ${request.params.id}`);
    return entry;
  });

  app.get('/images', { schema: { querystring: ImagesQuery, response: { 200: ImagePage, 400: errorReplies[400] } } }, (request) => {
    return listImages(readModels.db, request.query as ImageQuery);
  });

  app.get('/images/:id', { schema: { params: ImageParams, response: { 200: ImageEntry, 400: errorReplies[400], 404: errorReplies[404] } } }, (request) => {
    const image = imageOf(readModels.db, request.params.id);
    if (!image) throw new ApiError(404, 'IMAGE_NOT_FOUND', `no image ${request.params.id}`);
    return image;
  });

  app.get(
    '/images/:id/files/:product',
    { schema: { params: ImageFileParams, response: { 200: FileReply, 400: errorReplies[400], 403: errorReplies[403], 404: errorReplies[404] } } },
    async (request, reply) => {
      const { id, product } = request.params;
      const real = await imageProductFile(readModels.db, imagesRoot, id, product);
      const { size } = await stat(real);
      return reply
        .type(CONTENT_TYPES[extname(real)] ?? 'application/octet-stream')
        .header('content-length', size)
        .header('content-disposition', `attachment; filename="${id}-${product}${extname(real)}"`)
        .send(createReadStream(real));
    },
  );
  done();
};
