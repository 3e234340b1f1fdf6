import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { calibrationRoutes } from './calibrationRoutes.js';
import { dashboard } from './dashboard.js';
import type { ApiDeps } from './deps.js';
import { handleErrors } from './errors.js';
import { eventRoutes } from './eventRoutes.js';
import { groupRoutes } from './groupRoutes.js';
import { liveEvents, type LiveSession } from './liveEvents.js';
import { productRoutes } from './productRoutes.js';
import { RequestLogging } from './requestLogging.js';
import { skyRoutes } from './skyRoutes.js';
import { sourceRoutes } from './sourceRoutes.js';
import { statusRoutes } from './statusRoutes.js';

export interface ApiOptions extends ApiDeps {
  readonly heartbeatMs?: number;
  readonly maxBufferedBytes?: number;
}

/** The configured API server, not listening: `contimg serve` listens, tests inject. */
export function buildApi({ heartbeatMs = 15_000, maxBufferedBytes = 4 * 1024 * 1024, ...deps }: ApiOptions) {
  // Typed as fastify's logger so the instance keeps the type its plugins and hooks expect.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'api' });
  const app = Fastify({ loggerInstance, logController: new RequestLogging() }).withTypeProvider<TypeBoxTypeProvider>();
  const sessions = new Set<LiveSession>();

  handleErrors(app);
  void app.register(fastifySwagger, {
    openapi: {
      info: { title: 'contimg API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  void app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  void app.register(fastifyWebsocket, {
    preClose(done) {
      for (const session of sessions) session.close(1001, 'server shutting down');
      done();
    },
  });
  void app.register(
    async (api) => {
      await api.register(statusRoutes, deps);
      await api.register(groupRoutes, deps);
      await api.register(eventRoutes, deps);
      await api.register(productRoutes, deps);
      await api.register(skyRoutes, deps);
      await api.register(calibrationRoutes, deps);
      await api.register(sourceRoutes, deps);
      await api.register(liveEvents, { log: deps.log, sessions, heartbeatMs, maxBufferedBytes });
    },
    { prefix: '/api/v1' },
  );
  void app.register(dashboard);
  return app;
}
