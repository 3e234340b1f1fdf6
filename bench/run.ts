/**
 * `npm run bench -- NAME [args]`: runs the default export of bench/NAME.ts with the remaining args.
 * The npm script caps malloc's arenas at one per core from the start, as the native core does
 * when `contimg` loads it: here tsx's loader threads would otherwise have made more arenas first.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'support.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  console.error(name === undefined ? 'which benchmark?' : `unknown benchmark "${name}"`);
  console.error(`usage: npm run bench -- <name> [args]; available: ${available.join(', ')}`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: (args: string[]) => Promise<void> };
await bench.default(args);
