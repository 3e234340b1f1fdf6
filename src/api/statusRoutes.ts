import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { STAGES } from '../eventlog/schema.js';
import { queueSummary } from '../projections/groupQueue.js';
import { realtimeGauge } from '../projections/realtime.js';
import { stageTimings } from '../projections/stageMetrics.js';
import { GROUP_CADENCE_S } from '../science/simulate/layout.js';
import type { ApiDeps } from './deps.js';
import { prometheusText } from './prometheus.js';
import { Health, Status, type StatusSnapshot } from './schemas.js';

/**
 * Health, the queue and stage summary, and the same figures for Prometheus. The summary counts
 * over every group; dashboards and scrapers poll it, so a snapshot is reused until the log or the
 * read models move, for at most `api.replyCacheMs` (its gauge counts the last hour from the clock).
 */
export const statusRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { log, readModels, config }, done) => {
  const maxAgeMs = config['api.replyCacheMs'];
  let cached: { readonly key: string; readonly at: number; readonly snapshot: StatusSnapshot } | undefined;
  const status = async (): Promise<StatusSnapshot> => {
    const head = await log.head();
    const projectedThrough = readModels.position();
    const key = `${head}:${projectedThrough}`;
    const now = Date.now();
    if (cached?.key === key && now - cached.at < maxAgeMs) return cached.snapshot;
    const stages = stageTimings(readModels.db).sort((a, b) => STAGES.indexOf(a.stage as never) - STAGES.indexOf(b.stage as never));
    const snapshot = {
      head,
      projectedThrough,
      projectionLag: Math.max(0, head - projectedThrough),
      queue: queueSummary(readModels.db),
      stages,
      realtime: realtimeGauge(readModels.db, new Date(now), GROUP_CADENCE_S),
    };
    cached = { key, at: now, snapshot };
    return snapshot;
  };

  app.get('/health', { schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    head: await log.head(),
    projectedThrough: readModels.position(),
  }));

  app.get('/status', { schema: { response: { 200: Status } } }, status);

  app.get('/metrics', { schema: { response: { 200: Type.String() } } }, async (_request, reply) => {
    const text = prometheusText(await status());
    return reply.type('text/plain; version=0.0.4').send(text);
  });
  done();
};
