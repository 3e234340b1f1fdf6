import fastifyStatic from '@fastify/static';
import type { FastifyPluginCallback } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout (or installed package) root: the nearest folder above this module holding package.json. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Where `npm run build:web` puts the dashboard. */
export const DASHBOARD_DIR = join(packageRoot(import.meta.dirname), 'dist', 'web');

const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  // Preact and Chart.js set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The operators' dashboard at `/`: the files `npm run build:web` wrote, and only those (the routes
 * are fixed when the server starts). Without a build, `/` says how to make one.
 */
export const dashboard: FastifyPluginCallback<{ root?: string }> = (app, { root = DASHBOARD_DIR }, done) => {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'the dashboard is not built: run npm run build:web');
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply.status(503).type('text/plain').send(`the dashboard is not built (no ${join(root, 'index.html')}): run npm run build:web\n`),
    );
    done();
    return;
  }
  void app.register(fastifyStatic, {
    root,
    wildcard: false,
    decorateReply: false,
    schemaHide: true,
    setHeaders(reply, path) {
      // Built assets carry a content hash in their names; index.html must be revalidated to pick up a new build.
      const hashed = path.startsWith(join(root, 'assets'));
      void reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (path.endsWith('.html')) void reply.header('content-security-policy', CSP);
    },
  });
  done();
};
