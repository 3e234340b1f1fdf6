/**
 * `contimg simulate` at full size: one group of 16 DSA-110 subband files (96 antennas, 48 channels,
 * 24 integrations, catalog sky, noise, gains, RFI; 2.31 GB) written to a temporary directory,
 * against the target of 60 s, next to the I/O floor: a plain `cp -r` of the written group.
 *
 *   npm run bench -- simulate [--reps=N]
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simulate } from '../src/science/simulate/simulate.js';
import { measure, printTable } from './support.js';

const TARGET_S = 60;
const GROUP_MB = 2310;

export default async function run(args: string[]): Promise<void> {
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const reps = repsArg ? Number(repsArg.slice('--reps='.length)) : 3;
  const dir = mkdtempSync(join(tmpdir(), 'contimg-bench-simulate-'));
  console.log(`simulate benchmark: one full-size group, ${reps} repetitions, median; files in ${dir}\n`);
  try {
    let rep = 0;
    let sources = 0;
    const group = (i: number) => join(dir, `group-${i}`);
    // Each repetition writes a fresh directory after a sync (untimed) and removes the previous one,
    // so the last group stays for the reference copy.
    const ours = await measure('simulate: 1 group, 16 files', reps, GROUP_MB, () => {
      rmSync(group(rep - 1), { recursive: true, force: true });
      execFileSync('sync');
      const out = group(rep++);
      return {
        run: async () => {
          const summary = await simulate({ outDir: out });
          sources = summary.written[0]!.sources;
        },
      };
    });
    const copy = join(dir, 'copy');
    const reference = await measure('  reference: cp -r of the group', reps, GROUP_MB, () => {
      execFileSync('sync');
      return {
        run: () => promisify(execFile)('cp', ['-r', group(rep - 1), copy]),
        teardown: () => rmSync(copy, { recursive: true, force: true }),
      };
    });
    printTable([
      { result: ours, reference, target: GROUP_MB / TARGET_S },
      { result: reference, reference },
    ]);
    const seconds = ours.medianMs / 1000;
    console.log(
      `\n(events = MB written; ${sources} sources in the field.) Median ${seconds.toFixed(1)} s per group against the target of ${TARGET_S} s ` +
        `(${seconds <= TARGET_S ? 'met' : 'MISSED'}); ${(ours.medianMs / reference.medianMs).toFixed(2)}× the time of cp.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
