import type { FastifyInstance } from 'fastify';
import type { ReadModelStore } from '../projections/readModelStore.js';

const MAX_BYTES = 32 * 1024 * 1024;

interface CachedReply {
  readonly position: number;
  readonly at: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * Serves a GET of the plugin's routes again from its serialised JSON while the read models have
 * not moved, for at most `maxAgeMs` (`api.replyCacheMs`; some fields count from the clock, such as
 * ages): dashboards poll the same lists, which change only when an event is projected, and
 * reading and serialising a page costs far more than this lookup. Only 200 replies are kept, by
 * URL, the oldest dropped beyond 32 MiB.
 */
export function cacheReplies(app: FastifyInstance, readModels: ReadModelStore, maxAgeMs: number): void {
  if (maxAgeMs === 0) return;
  // One read of the checkpoints, any of which moves when an event is projected (ReadModelStore.position reads them one by one).
  const checkpoints = readModels.db.prepare<[], number>('SELECT total(last_seq) FROM projection_checkpoints').pluck();
  const replies = new Map<string, CachedReply>();
  /** The read models' checkpoints when a request arrived: its reply is at least that fresh. */
  const arrivedAt = new WeakMap<object, number>();
  let bytes = 0;
  const forget = (url: string) => {
    const old = replies.get(url);
    if (old) bytes -= old.body.length;
    replies.delete(url);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET') return undefined;
    const position = checkpoints.get()!;
    const cached = replies.get(request.url);
    if (cached && cached.position === position && Date.now() - cached.at < maxAgeMs) return reply.type(cached.contentType).send(cached.body);
    if (cached) forget(request.url);
    arrivedAt.set(request, position);
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const position = arrivedAt.get(request);
    if (position === undefined || reply.statusCode !== 200 || typeof payload !== 'string' || replies.has(request.url)) return payload;
    const contentType = reply.getHeader('content-type');
    if (typeof contentType !== 'string' || !contentType.startsWith('application/json')) return payload;
    replies.set(request.url, { position, at: Date.now(), contentType, body: payload });
    bytes += payload.length;
    for (const url of replies.keys()) {
      if (bytes <= MAX_BYTES) break;
      forget(url);
    }
    return payload;
  });
}
