import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { decideForGroup } from '../domain/groupCommands.js';
import { groupState } from '../projections/groupQueue.js';
import { listGroups, stageRunsOf, subbandFilesOf } from '../projections/groupQueries.js';
import { authorizer } from './auth.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { cacheReplies } from './replyCache.js';
import { errorReplies, GroupDetail, GroupPage, GroupParams, GroupsQuery, ReprocessBody, ReprocessReply } from './schemas.js';

/** The group queue as the read models hold it, and the operator's reprocess command. */
export const groupRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { log, readModels, config }, done) => {
  const authorize = authorizer(config['api.token']);
  cacheReplies(app, readModels, config['api.replyCacheMs']);

  app.get('/groups', { schema: { querystring: GroupsQuery, response: { 200: GroupPage, 400: errorReplies[400] } } }, (request) => {
    const { state, before, limit } = request.query;
    const page = listGroups(readModels.db, { limit, ...(state && { state }), ...(before && { before }) });
    const now = Date.now();
    return { ...page, groups: page.groups.map((g) => ({ ...g, missingSubbands: [...g.missingSubbands], ageSeconds: (now - Date.parse(g.openedAt)) / 1000 })) };
  });

  app.get('/groups/:id', { schema: { params: GroupParams, response: { 200: GroupDetail, 400: errorReplies[400], 404: errorReplies[404] } } }, (request) => {
    const { id } = request.params;
    const group = groupState(readModels.db, id);
    if (!group) throw new ApiError(404, 'GROUP_NOT_FOUND', `no group ${id}`);
    const missingSubbands = Array.from({ length: group.expectedSubbands }, (_, i) => i).filter((i) => !group.subbands.includes(i));
    return { ...group, subbands: [...group.subbands], missingSubbands, files: subbandFilesOf(readModels.db, id), stages: stageRunsOf(readModels.db, id) };
  });

  app.post(
    '/groups/:id/reprocess',
    { schema: { params: GroupParams, body: ReprocessBody, security: [{ bearer: [] }], response: { 202: ReprocessReply, ...errorReplies } } },
    async (request, reply) => {
      const operator = authorize(request);
      const { id } = request.params;
      const { fromStage, reason } = request.body;
      const appended = await decideForGroup(log, id, (group) => {
        if (!group) throw new ApiError(404, 'GROUP_NOT_FOUND', `no group ${id}`);
        return [{ type: 'ReprocessRequested', time: new Date().toISOString(), payload: { groupId: id, fromStage, operator, reason } }];
      });
      request.log.info({ groupId: id, fromStage, operator }, 'reprocess requested');
      return reply.status(202).send({ groupId: id, seq: appended!.lastSeq, operator });
    },
  );
  done();
};
