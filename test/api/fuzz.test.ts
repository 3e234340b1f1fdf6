import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/config/paths.js';
import { API_TOKEN, apiFixture, FIXTURE } from '../support/apiState.js';
import { writeSkyCatalog, writeSkyImage } from './skyFixture.js';

/** A parameter's JSON schema as @fastify/swagger writes it into the OpenAPI description. */
interface ParamSchema {
  readonly type?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
  readonly anyOf?: readonly ParamSchema[];
}
interface Operation {
  readonly parameters?: readonly { in: 'path' | 'query'; name: string; required?: boolean; schema: ParamSchema }[];
  readonly requestBody?: unknown;
}

/** What attackers and broken clients send: traversal, SQL and template injection, NUL, huge and odd values. */
const HOSTILE = [
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252fetc',
  '....//....//etc/passwd',
  '/etc/passwd',
  '..\\..\\windows\\win.ini',
  "' OR '1'='1",
  "1; DROP TABLE groups; --",
  '" OR 1=1 --',
  '%00',
  'image%00.png',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '',
  ' ',
  'é∆😀',
  'a'.repeat(5000),
];
/** Values the fixture knows, so that fuzzing also reaches the handlers past validation. */
const imageId = `${FIXTURE.completed[0]}-full`;
const KNOWN = [...FIXTURE.completed, FIXTURE.failed, FIXTURE.collecting, imageId, 'image', 'garbage', 'escape', 'thumbnail', 'nvss', 'convert', '61000.1', '0', '1', '42'];

const hostile = fc.constantFrom(...HOSTILE);
const known = fc.constantFrom(...KNOWN);

/** Values for one parameter: valid by its schema, around its limits, known to the fixture, or hostile. */
function valuesFor(schema: ParamSchema): fc.Arbitrary<string> {
  const enums = schema.enum ?? schema.anyOf?.flatMap((s) => s.enum ?? []) ?? [];
  const valid: fc.Arbitrary<string>[] = [];
  if (enums.length > 0) valid.push(fc.constantFrom(...enums));
  if (schema.pattern) valid.push(fc.stringMatching(new RegExp(schema.pattern)));
  if (schema.type === 'integer' || schema.type === 'number') {
    const [min, max] = [schema.minimum ?? -1e9, schema.maximum ?? 1e9];
    valid.push(fc.integer({ min: Math.ceil(min) - 2, max: Math.floor(Math.min(max, min + 1e6)) + 2 }).map(String));
    valid.push(fc.double({ noNaN: false }).map(String));
    valid.push(fc.constantFrom(String(min), String(max), String(max + 1), String(min - 1)));
  }
  if (valid.length === 0) valid.push(fc.string());
  return fc.oneof(...valid, known, hostile, fc.string({ unit: 'binary', maxLength: 64 }));
}

/** A request to an operation: each parameter filled (or left out when optional), sometimes an unknown one too. */
function requestsFor(path: string, operation: Operation): fc.Arbitrary<{ url: string; hostilePath: boolean }> {
  const params = operation.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const record = <T,>(entries: [string, fc.Arbitrary<T>][]): fc.Arbitrary<Record<string, T>> => fc.record(Object.fromEntries(entries));
  return fc
    .tuple(
      record(pathParams.map((p) => [p.name, fc.oneof(valuesFor(p.schema).map((v) => ({ v, hostile: false })), hostile.map((v) => ({ v, hostile: true })))])),
      record(queryParams.map((p) => [p.name, p.required ? valuesFor(p.schema) : fc.option(valuesFor(p.schema), { nil: undefined })])),
      fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string()), { nil: undefined }),
    )
    .map(([pathValues, queryValues, extra]) => {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathValues[name]!.v));
      const query = new URLSearchParams(Object.entries(queryValues).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, v]])));
      if (extra) query.append(...extra);
      const hostilePath = Object.values(pathValues).some((p) => p.hostile && !KNOWN.includes(p.v));
      return { url: `${url}${query.size > 0 ? `?${query.toString()}` : ''}`, hostilePath };
    });
}

let fixture: Awaited<ReturnType<typeof apiFixture>>;
let openapi: { paths: Record<string, Record<string, Operation>> };
const secret = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;

beforeAll(async () => {
  fixture = await apiFixture();
  const paths = dataPaths(fixture.state.paths.root);
  const dir = join(paths.images, imageId);
  mkdirSync(dir, { recursive: true });
  const products = { image: join(dir, 'image.fits'), garbage: join(dir, 'garbage.fits'), escape: join(dir, 'escape.fits'), thumbnail: join(dir, 'thumbnail.png') };
  await writeSkyImage(products.image);
  writeFileSync(products.garbage, "SIMPLE  = T / ' OR 1=1");
  writeFileSync(products.thumbnail, 'PNG');
  symlinkSync('/etc/passwd', products.escape);
  writeSkyCatalog(paths.catalogs, [[201.3, 37.1]]);
  const groupId = FIXTURE.completed[0]!;
  await fixture.state.log.append(
    groupId,
    [{ type: 'ImageWritten', time: '2026-11-24T01:00:00Z', payload: { groupId, imageId, mode: 'full', products, sizePx: 160, cellArcsec: 20, beam: { majorArcsec: 60, minorArcsec: 40, paDeg: 0 } } }],
    'any',
  );
  await fixture.state.readModels.catchUp(fixture.state.log);
  openapi = (await fixture.app.inject({ method: 'GET', url: '/docs/json' })).json();
}, 60_000);
afterAll(() => fixture.close());

const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  fixture.app.inject({ method: method.toUpperCase() as 'GET', url, headers, ...(payload !== undefined && { payload: payload as string }) });

describe('the API fuzzed from its OpenAPI description', () => {
  it('describes every route the fuzzer drives', () => {
    const operations = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(operations).toEqual(expect.arrayContaining(['get /api/v1/groups', 'post /api/v1/groups/{id}/reprocess', 'get /api/v1/images/{id}/files/{product}', 'get /api/v1/images/{id}/sky/{product}/position']));
    expect(operations.length).toBeGreaterThanOrEqual(18);
  });

  it('answers every GET with no 5xx, traversal and injection in path parameters with 4xx, and never leaks a file outside the data root', async () => {
    for (const [path, operations] of Object.entries(openapi.paths)) {
      const operation = operations['get'];
      if (!operation) continue;
      await fc.assert(
        fc.asyncProperty(requestsFor(path, operation), async ({ url, hostilePath }) => {
          const reply = await inject('GET', url);
          expect(reply.statusCode, `${url}: ${reply.body.slice(0, 200)}`).toBeLessThan(500);
          if (hostilePath) expect(reply.statusCode, url).toBeGreaterThanOrEqual(400);
          expect(reply.body).not.toContain(secret);
        }),
        { numRuns: 150, seed: 8 },
      );
    }
  }, 300_000);

  it('answers reprocess requests with any body, token or none, with no 5xx', async () => {
    const bodies = fc.oneof(
      fc.record({ fromStage: fc.oneof(fc.constantFrom('convert', 'image', 'nope'), hostile), reason: fc.oneof(fc.string(), hostile) }, { requiredKeys: [] }),
      fc.jsonValue(),
      hostile,
    );
    const auth = fc.constantFrom<Record<string, string>>({}, { authorization: `Bearer ${API_TOKEN}` }, { authorization: `Bearer ${API_TOKEN}`, 'x-operator': "'; DROP TABLE groups; --" }, { authorization: 'Bearer wrong' });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...FIXTURE.completed, FIXTURE.failed), hostile), bodies, auth, async (id, body, headers) => {
        const json = typeof body === 'string' ? body : JSON.stringify(body);
        const reply = await inject('POST', `/api/v1/groups/${encodeURIComponent(id)}/reprocess`, json, { 'content-type': 'application/json', ...headers });
        expect(reply.statusCode, `${id} ${json.slice(0, 100)}: ${reply.body.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 300, seed: 8 },
    );
    // the injections went nowhere: the read models still answer as before
    const groups = (await inject('GET', '/api/v1/groups?limit=500')).json<{ groups: unknown[] }>();
    expect(groups.groups).toHaveLength(FIXTURE.completed.length + FIXTURE.pending.length + 2);
  }, 120_000);

  it('serves nothing outside the dashboard and data roots, however the path is spelled', async () => {
    const escapes = [
      '/../../../etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/docs/..%2f..%2fpackage.json',
      `/api/v1/images/${imageId}/files/escape`,
      `/api/v1/images/${imageId}/files/..%2f..%2f..%2fetc%2fpasswd`,
      `/api/v1/images/..%2f..%2f/files/image`,
      `/api/v1/images/${imageId}/sky/escape/pixels`,
      '/api/v1/images/%00/sky/image',
    ];
    for (const url of escapes) {
      const reply = await inject('GET', url);
      expect(reply.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(reply.statusCode, url).toBeLessThan(500);
      expect(reply.body).not.toContain(secret);
      expect(reply.body).not.toContain('"name": "contimg"');
    }
  });
});
