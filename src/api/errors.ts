import type { FastifyError, FastifyInstance } from 'fastify';

/** An error the API answers with its own status and code; anything else is a 500 and is logged. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Domain and event-log error codes and the status each maps to. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ILLEGAL_TRANSITION: 409,
  EVENT_CONCURRENCY: 409,
  EVENT_INVALID: 400,
  EVENT_UNKNOWN: 400,
};

/** The one error handler: 4xx as `{ error, message }` with the reason; 5xx logged and hidden. */
export function handleErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.validation ? 400 : (STATUS_BY_CODE[err.code] ?? err.statusCode ?? 500);
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.status(500).send({ error: 'INTERNAL', message: 'internal error; see the server log' });
    }
    const code = err.validation ? 'INVALID_REQUEST' : err.code || 'BAD_REQUEST';
    return reply.status(status).send({ error: code, message: err.message });
  });
  // ajv 8 coerces a query's "1e309" to Infinity and then skips its range checks (they test isFinite first).
  app.addHook('preHandler', (request, _reply, next) => {
    const infinite = Object.entries(request.query ?? {}).find(([, value]) => typeof value === 'number' && !Number.isFinite(value));
    next(infinite && new ApiError(400, 'INVALID_REQUEST', `querystring/${infinite[0]} must be a finite number`));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );
}
