import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const OPERATOR = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/**
 * Guards state-changing routes: refuses every request while no token is configured, 401 without
 * a bearer token, 403 with a wrong one. Returns the operator for the audit trail: the
 * `X-Operator` header, or "operator".
 */
export function authorizer(token: string | null): (request: FastifyRequest) => string {
  // Comparing digests keeps the comparison constant-time even when the lengths differ.
  const expected = token === null ? null : digest(token);
  return (request) => {
    if (expected === null) {
      throw new ApiError(403, 'API_TOKEN_UNSET', 'state-changing routes are disabled: set api.token (CONTIMG_API_TOKEN) on the server');
    }
    const presented = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (presented === undefined) throw new ApiError(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    if (!timingSafeEqual(digest(presented), expected)) throw new ApiError(403, 'FORBIDDEN', 'the token is not valid');
    const operator = request.headers['x-operator'] ?? 'operator';
    if (typeof operator !== 'string' || !OPERATOR.test(operator)) {
      throw new ApiError(400, 'INVALID_OPERATOR', 'X-Operator must be 1-64 letters, digits or ._@- characters');
    }
    return operator;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
