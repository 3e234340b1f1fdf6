import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateUvh5, SimulationError, type SimulateUvh5Spec } from '../../native/index.js';
import { ticksDuring } from '../support/eventLoop.js';

/** A small, valid spec: nAnts antennas (all pairs with autos), nTimes integrations, nFreqs channels, one source per 10 channels of work. */
function spec(path: string, { nAnts = 3, nTimes = 2, nFreqs = 4, nSources = 1, threads = 1, seed = 5 } = {}): SimulateUvh5Spec {
  const pairs: [number, number][] = [];
  for (let i = 0; i < nAnts; i++) for (let j = i; j < nAnts; j++) pairs.push([i, j]);
  const nPols = 2;
  return {
    path,
    header: [
      { path: 'Header/Nblts', shape: [], data: BigInt64Array.of(BigInt(pairs.length * nTimes)) },
      { path: 'Header/telescope_name', shape: [], data: ['DSA_110'] },
      { path: 'Header/freq_array', shape: [1, nFreqs], data: Float64Array.from({ length: nFreqs }, (_, k) => 1.4e9 - k * 244140.625) },
      { path: 'Header/extra_keywords/phase_center_dec', shape: [], data: Float64Array.of(0.28) },
    ],
    nTimes,
    nAnts,
    nPols,
    ant1: Int32Array.from(pairs, ([i]) => i),
    ant2: Int32Array.from(pairs, ([, j]) => j),
    antennaUvwM: Float64Array.from({ length: nTimes * nAnts * 3 }, (_, i) => ((i * 37) % 101) * 10),
    freqHz: Float64Array.from({ length: nFreqs }, (_, k) => 1.4e9 - k * 244140.625),
    sourceLmn: Float64Array.from({ length: nTimes * nSources * 3 }, (_, i) => (i % 3 === 2 ? Math.sqrt(1 - 2 * 0.01 ** 2) : 0.01)),
    sourceFluxJy: new Float32Array(nTimes * nSources * nFreqs).fill(2),
    gains: Float32Array.from({ length: nTimes * nAnts * nPols * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0.1)),
    bandpass: Float32Array.from({ length: nAnts * nPols * nFreqs * 2 }, (_, i) => (i % 2 === 0 ? 0.9 : -0.2)),
    dead: new Uint8Array(nAnts),
    systemJy: 5800,
    crossSigmaJy: 2.3,
    autoSigmaJy: 3.3,
    rfi: Float64Array.of(0, 1, 1, 2, 100),
    seed,
    threads,
  };
}

describe('simulateUvh5', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contimg-simuvh5-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the same bytes for the same inputs whatever the thread count, and other bytes for another seed', async () => {
    const size = { nAnts: 6, nTimes: 5, nFreqs: 8, nSources: 3 };
    const paths = ['one.uvh5', 'two.uvh5', 'seed.uvh5'].map((n) => join(dir, n));
    const timing = await simulateUvh5(spec(paths[0]!, { ...size, threads: 1 }));
    expect(timing.computeSeconds).toBeGreaterThanOrEqual(0);
    expect(timing.writeSeconds).toBeGreaterThanOrEqual(0);
    await simulateUvh5(spec(paths[1]!, { ...size, threads: 2 }));
    await simulateUvh5(spec(paths[2]!, { ...size, threads: 2, seed: 6 }));
    const [one, two, other] = paths.map((p) => readFileSync(p));
    expect(one!.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(one!.equals(two!)).toBe(true);
    expect(one!.equals(other!)).toBe(false);
  });

  it('validates the spec in TypeScript and throws synchronously', () => {
    const good = spec(join(dir, 'never.uvh5'));
    expect(() => simulateUvh5({ ...good, ant2: Int32Array.of(0, 1) })).toThrow(new RangeError('ant2 must have 6 elements, got 2'));
    expect(() => simulateUvh5({ ...good, ant1: Int32Array.of(0, 0, 0, 1, 1, 3) })).toThrow(/baseline 5 \(3, 2\) names an antenna outside \[0, 3\)/);
    expect(() => simulateUvh5({ ...good, freqHz: Float64Array.of(1e9, 1.1e9, 1.3e9, 1.4e9) })).toThrow(/evenly spaced/);
    expect(() => simulateUvh5({ ...good, gains: new Float32Array(3) })).toThrow(RangeError);
    expect(() => simulateUvh5({ ...good, dead: [0, 0, 0] as unknown as Uint8Array })).toThrow(new TypeError('dead must be a Uint8Array'));
    expect(() => simulateUvh5({ ...good, seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => simulateUvh5({ ...good, header: [{ path: '/Header/x', shape: [], data: Float64Array.of(1) }] })).toThrow(/relative path/);
    expect(() => simulateUvh5({ ...good, header: [{ path: 'Header/x', shape: [2], data: Float64Array.of(1) }] })).toThrow(/has 1 elements, its shape \[2\] 2/);
    expect(() => simulateUvh5({ ...good, header: [{ path: 'Header/x', shape: [], data: new Uint16Array(1) as unknown as Float64Array }] })).toThrow(TypeError);
  });

  it('rejects with a SimulationError carrying HDF5’s message and the caller’s stack', async () => {
    const error: unknown = await simulateUvh5(spec(join(dir, 'missing', 'x.uvh5'))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SimulationError);
    const { code, message, stack } = error as SimulationError;
    expect(code).toBe('ESIMULATE');
    expect(message).toMatch(/^HDF5: create .*missing\/x\.uvh5: .*No such file or directory/);
    expect(stack).toContain('simulateUvh5.test.ts');
  });

  it('keeps the event loop turning while it computes and writes', async () => {
    const { ticks } = await ticksDuring(() => simulateUvh5(spec(join(dir, 'big.uvh5'), { nAnts: 40, nTimes: 8, nFreqs: 48, nSources: 40, threads: 2 })));
    expect(ticks).toBeGreaterThan(10);
  });
});
