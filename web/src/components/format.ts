import { signal } from '@preact/signals';

/** The current time, ticking once a second, for ages and freshness. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now()), 1000);

export function age(seconds: number): string {
  if (seconds < 0) return '0 s';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export const utc = (iso: string | number) => new Date(iso).toISOString().replace('T', ' ').slice(0, 19);

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  for (; n >= 1000 && i < units.length - 1; i++) n /= 1000;
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Compact ranges of subband indices: [2,3,4,9] → "2–4, 9". */
export function ranges(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(j === i ? String(values[i]) : `${values[i]}–${values[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}
