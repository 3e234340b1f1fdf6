import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { listCaltables, MAX_SEPARATION_HOURS, selectCalibration } from '../projections/calibrationRegistry.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ActiveCalibration, ActiveCalibrationQuery, CaltableList, CaltablesQuery, errorReplies } from './schemas.js';

/** The calibration registry: the validity timeline and the set that applies at a time. */
export const calibrationRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { readModels }, done) => {
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
  done();
};
