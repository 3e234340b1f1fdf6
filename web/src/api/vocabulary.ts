import { signal } from '@preact/signals';
import type { GroupState } from './types.js';

/** The server's enumerations (stages in pipeline order, event types, group states), read from its OpenAPI description. */
export interface Vocabulary {
  readonly stages: readonly string[];
  readonly eventTypes: readonly string[];
  readonly groupStates: readonly GroupState[];
}

interface OpenApiParameter {
  name: string;
  schema?: EnumSchema;
}
interface EnumSchema {
  anyOf?: { enum?: string[]; const?: string }[];
}
interface OpenApi {
  paths: Record<string, Record<string, { parameters?: OpenApiParameter[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, EnumSchema> } }> } }>>;
}

const literals = (schema: EnumSchema | undefined, where: string): string[] => {
  const values = (schema?.anyOf ?? []).flatMap((s) => s.enum ?? (s.const === undefined ? [] : [s.const]));
  if (values.length === 0) throw new Error(`the API description has no enumeration at ${where}`);
  return values;
};

function parseVocabulary(doc: OpenApi): Vocabulary {
  const param = (path: string, name: string) => doc.paths[path]?.['get']?.parameters?.find((p) => p.name === name)?.schema;
  const reprocess = doc.paths['/api/v1/groups/{id}/reprocess']?.['post']?.requestBody?.content['application/json']?.schema.properties['fromStage'];
  return {
    stages: literals(reprocess, 'POST /groups/{id}/reprocess fromStage'),
    eventTypes: literals(param('/api/v1/events', 'type'), 'GET /events type'),
    groupStates: literals(param('/api/v1/groups', 'state'), 'GET /groups state') as GroupState[],
  };
}

export const vocabulary = signal<Vocabulary | null>(null);

export async function loadVocabulary(): Promise<void> {
  const res = await fetch('/docs/json');
  if (!res.ok) throw new Error(`GET /docs/json answered ${res.status}`);
  vocabulary.value = parseVocabulary((await res.json()) as OpenApi);
}
