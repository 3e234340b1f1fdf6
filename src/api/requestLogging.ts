import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify logs every request twice at info (received, completed); at thousands of reads a second
 * writing those lines costs more than answering. Here a request is logged once, when it
 * completes: at debug when it succeeded, info when refused (4xx), error when it failed.
 */
export class RequestLogging extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const level = error || reply.statusCode >= 500 ? 'error' : reply.statusCode >= 400 ? 'info' : 'debug';
    reply.log[level]({ req: request, res: reply, responseTime: reply.elapsedTime, ...(error && { err: error }) }, 'request completed');
  }
}
