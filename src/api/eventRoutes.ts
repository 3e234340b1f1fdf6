import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { EventLog } from '../eventlog/eventLog.js';
import { errorReplies, EventPage, EventsQuery } from './schemas.js';

/**
 * `GET /events`: one page of the log by sequence. Filters apply to the page scanned, so a page may
 * hold fewer than `limit` events (even none); `next` always moves past what was scanned.
 */
export const eventRoutes: FastifyPluginCallbackTypebox<{ log: EventLog }> = (app, { log }, done) => {
  app.get('/events', { schema: { querystring: EventsQuery, response: { 200: EventPage, 400: errorReplies[400] } } }, async (request) => {
    const { after, limit, type, stream } = request.query;
    const scanned = await log.read({ after, limit });
    const events = scanned.filter((e) => (type === undefined || e.type === type) && (stream === undefined || e.stream === stream));
    return { events, next: scanned[scanned.length - 1]?.seq ?? after, head: await log.head() };
  });
  done();
};
