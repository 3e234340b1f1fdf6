/**
 * Seeded pseudo-random numbers for the simulator's model parameters (gains, bandpasses, dead
 * antennas, RFI, random sources, file-name jitter). Each quantity draws from its own stream, keyed
 * by the run's seed and a name (e.g. `gain`, antenna 12, `XX`), so adding a quantity or changing
 * the array size never shifts the draws of another.
 */

/** A 128-bit hash of a string (four 32-bit words; cyrb128-style multiply-xorshift mixing). */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  return [h1 >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

const keyText = (seed: number, key: readonly (string | number)[]) => [seed, ...key].join('\u001f');

/** A 53-bit integer determined by the seed and the key: seeds for the native noise streams. */
export function seed53(seed: number, ...key: (string | number)[]): number {
  const [a, b] = hash128(keyText(seed, key));
  return (a & 0x1fffff) * 2 ** 32 + b;
}

/** sfc32 (Chris Doty-Humphrey's small fast counting generator). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  private constructor([a, b, c, d]: [number, number, number, number]) {
    [this.#a, this.#b, this.#c, this.#d] = [a, b, c, d];
    for (let i = 0; i < 12; i++) this.uniform();
  }

  /** The stream named `key` of the run seeded with `seed`. */
  static stream(seed: number, ...key: (string | number)[]): Rng {
    return new Rng(hash128(keyText(seed, key)));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  between(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Poisson-distributed count with the given mean (counting exponential gaps; fine for means up to ~10⁴). */
  poisson(mean: number): number {
    let n = 0;
    for (let t = -Math.log(1 - this.uniform()); t < mean; t -= Math.log(1 - this.uniform())) n++;
    return n;
  }

  /** k distinct elements of `items`, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = [...items];
    for (let i = 0; i < k; i++) {
      const j = i + this.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, k);
  }
}
