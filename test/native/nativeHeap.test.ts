import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nativeHeap } from '../../native/index.js';

const NATIVE = fileURLToPath(new URL('../../native/index.ts', import.meta.url));

// Buffers of 16 KiB are below malloc's mmap threshold, so they come from its arenas; once freed
// malloc keeps their pages (the one allocated last pins the arena's top) until released.
const FRAGMENTED_ARENA = `
import { nativeHeap, releaseNativeMemory } from ${JSON.stringify(NATIVE)};
let buffers = Array.from({ length: 20000 }, () => new ArrayBuffer(16384));
const pin = new ArrayBuffer(16384);
buffers = null;
for (let i = 0; i < 3; i++) { gc(); await new Promise((resolve) => setTimeout(resolve, 50)); }
const freed = { rss: process.memoryUsage.rss(), heap: nativeHeap() };
const released = releaseNativeMemory();
console.log(JSON.stringify({ freed, released, rss: process.memoryUsage.rss(), heap: nativeHeap(), pinned: pin.byteLength }));
`;

const BINDING = fileURLToPath(new URL('../../native/build/Release/contimg_native.node', import.meta.url));

// Eight threads allocating at once: without a cap, glibc gives most of them an arena of their own.
const BUSY_THREADS = `
const { Worker } = require('node:worker_threads');
const binding = require(${JSON.stringify(BINDING)});
const atLoad = binding.nativeHeap().arenas;
const busy = 'const until = Date.now() + 300; const keep = []; while (Date.now() < until) { keep.push(new ArrayBuffer(4096)); if (keep.length > 1000) keep.length = 0; }';
const workers = Array.from({ length: 8 }, () => new Worker(busy, { eval: true }));
Promise.all(workers.map((w) => new Promise((resolve) => w.on('exit', resolve)))).then(() => console.log(JSON.stringify({ atLoad, after: binding.nativeHeap().arenas })));
`;

async function arenasAfterBusyThreads(env: NodeJS.ProcessEnv): Promise<{ atLoad: number; after: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', BUSY_THREADS], { env });
  return JSON.parse(stdout) as { atLoad: number; after: number };
}

describe('native heap', () => {
  it('counts memory allocated outside the V8 heap', () => {
    const before = nativeHeap();
    const buffer = Buffer.alloc(64 * 2 ** 20, 1);
    const after = nativeHeap();
    expect(after.inUseBytes - before.inUseBytes).toBeGreaterThanOrEqual(buffer.length);
    expect(after.mappedBytes).toBeGreaterThanOrEqual(after.inUseBytes + after.freeBytes - 2 ** 20);
  });

  it('gives memory freed inside the arenas back to the system', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', FRAGMENTED_ARENA]);
    const { freed, released, rss } = JSON.parse(stdout) as { freed: { rss: number; heap: { freeBytes: number } }; released: boolean; rss: number };
    expect(freed.heap.freeBytes).toBeGreaterThan(300e6);
    expect(released).toBe(true);
    expect(freed.rss - rss).toBeGreaterThan(250e6);
  });

  it('caps malloc arenas at one per core once the native core is loaded, unless MALLOC_ARENA_MAX is set', async () => {
    const env = { ...process.env };
    delete env.MALLOC_ARENA_MAX;
    const capped = await arenasAfterBusyThreads(env);
    const uncapped = await arenasAfterBusyThreads({ ...env, MALLOC_ARENA_MAX: '64' });
    expect(capped.after).toBeLessThanOrEqual(Math.max(availableParallelism(), capped.atLoad));
    expect(uncapped.after).toBeGreaterThan(capped.after);
  });
});
