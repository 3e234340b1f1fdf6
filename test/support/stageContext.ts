import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import type { StageContext } from '../../src/stages/stage.js';

/** A stage's context as the runner builds it, for calling a stage directly; defaults for what a test does not set. */
export function stageContext(given: Pick<StageContext, 'groupId' | 'history' | 'paths'> & Partial<StageContext>): StageContext {
  return {
    attempt: 1,
    mode: 'fresh',
    degraded: false,
    files: [],
    config: loadConfig({ flags: {}, env: {} }).config,
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    progress: () => undefined,
    ...given,
  };
}
