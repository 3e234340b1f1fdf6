import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { dataPaths } from '../config/paths.js';
import { listCaltables, MAX_SEPARATION_HOURS, selectCalibration } from '../projections/calibrationRegistry.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { insideRoot } from './productFiles.js';
import { ActiveCalibration, ActiveCalibrationQuery, CaltableArtifactParams, CaltableList, CaltablesQuery, errorReplies, FileReply } from './schemas.js';

const PLOT_TYPES: Readonly<Record<string, string>> = { '.svg': 'image/svg+xml', '.png': 'image/png' };

/** The calibration registry: the validity timeline and the set that applies at a time. */
export const calibrationRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { readModels, config }, done) => {
  const caltablesRoot = dataPaths(config.dataDir).caltables;
  app.get('/caltables', { schema: { querystring: CaltablesQuery, response: { 200: CaltableList, 400: errorReplies[400] } } }, (request) => {
    const { fromMjd, toMjd } = request.query;
    return { caltables: listCaltables(readModels.db, { ...(fromMjd !== undefined && { fromMjd }), ...(toMjd !== undefined && { toMjd }) }) };
  });

  app.get(
    '/caltables/active',
    { schema: { querystring: ActiveCalibrationQuery, response: { 200: ActiveCalibration, 400: errorReplies[400], 404: errorReplies[404] } } },
    (request) => {
      const choice = selectCalibration(readModels.db, request.query.mjd);
      if (!choice) throw new ApiError(404, 'NO_CALIBRATION', `no complete calibration set within ${MAX_SEPARATION_HOURS} h of MJD ${request.query.mjd}`);
      return { ...choice, tables: [...choice.tables] };
    },
  );
  app.get(
    '/caltables/:id/artifacts/:key',
    { schema: { params: CaltableArtifactParams, response: { 200: FileReply, 400: errorReplies[400], 403: errorReplies[403], 404: errorReplies[404] } } },
    async (request, reply) => {
      const { id, key } = request.params;
      const table = listCaltables(readModels.db).find((t) => t.caltableId === id);
      if (!table) throw new ApiError(404, 'CALTABLE_NOT_FOUND', `no calibration table ${id}`);
      const path = table.artifacts[key];
      if (path === undefined) throw new ApiError(404, 'ARTIFACT_NOT_FOUND', `calibration table ${id} has no ${key}; it has ${Object.keys(table.artifacts).join(', ') || 'none'}`);
      const real = await insideRoot(caltablesRoot, path, `the ${key} of calibration table ${id}`);
      const type = PLOT_TYPES[extname(real)];
      if (type === undefined) throw new ApiError(404, 'ARTIFACT_NOT_A_PLOT', `the ${key} of calibration table ${id} is not an SVG or PNG plot`);
      // An SVG opened on its own must not run script in the API's origin.
      return reply.type(type).header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").header('x-content-type-options', 'nosniff').send(createReadStream(real));
    },
  );
  done();
};
