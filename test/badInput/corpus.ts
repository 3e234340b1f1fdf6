/**
 * The bad-input corpus: scaled-down simulated groups (4 subbands) in an incoming directory, some
 * left good, some with one subband made malformed, and stray files that must never become
 * subbands. Each case says what the pipeline must answer: the file quarantined at ingest, or the
 * group refused by conversion with the file at fault quarantined.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { GROUP_CADENCE_S } from '../../src/science/simulate/layout.js';
import { DEFAULT_START } from '../../src/science/simulate/simulate.js';
import { contimg } from '../support/cli.js';

const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const MUTATE = fileURLToPath(new URL('mutate_uvh5.py', import.meta.url));

/** The small group size every group of the corpus has (but the one too big for the disk). */
export const SUBBANDS = 4;
const SMALL = ['--subbands', String(SUBBANDS), '--antennas', '8', '--channels', '8', '--integrations', '2', '--dead-antennas', '0', '--no-rfi'];

/** A stray file: ingest must quarantine it with a reason matching `reason`. */
export interface FileCase {
  readonly label: string;
  readonly path: string;
  readonly reason: RegExp;
}

/** A group with one bad subband: conversion must refuse the group and quarantine `blamed`. */
export interface GroupCase {
  readonly label: string;
  readonly groupId: string;
  readonly blamed: string;
  readonly reason: RegExp;
}

export interface Corpus {
  readonly incoming: string;
  /** Groups that must complete exactly once. */
  readonly good: readonly string[];
  readonly files: readonly FileCase[];
  readonly groups: readonly GroupCase[];
  /** A group whose one subband ingest refuses: it times out incomplete, its bad file quarantined. */
  readonly incomplete: { readonly groupId: string; readonly missing: number; readonly file: FileCase };
  /** A group whose MeasurementSet cannot fit on the data disk. */
  readonly tooBig: string;
}

interface Simulated {
  readonly groupId: string;
  /** By subband. */
  readonly files: readonly string[];
}

/** `contimg simulate` of `groups` groups into `out`; the group ids and files by subband. */
export async function simulate(out: string, groups: number, ...extra: string[]): Promise<Simulated[]> {
  const result = await contimg(['simulate', '--out', out, '--truth-dir', `${out}-truth`, '--groups', String(groups), '--json', ...SMALL, ...extra]);
  expect(result.code, result.stderr).toBe(0);
  const written = (JSON.parse(result.stdout) as { written: { groupId: string; files: string[] }[] }).written;
  return written.map(({ groupId, files }) => ({ groupId, files: [...files].sort((a, b) => subbandOf(a) - subbandOf(b)) }));
}

const subbandOf = (path: string) => Number(/_sb(\d\d)\.hdf5$/.exec(path)![1]);

type Mutation = { op: 'delete' | 'shrink'; path: string } | { op: 'nonfinite'; path: string; value: 'nan' | 'inf' } | { op: 'add'; path: string; value: number } | { op: 'nohdr' };

/** Writes `dst`, a copy of `src` changed with h5py (mutate_uvh5.py), for every job at once. */
async function mutate(jobs: readonly (Mutation & { src: string; dst: string })[]): Promise<void> {
  await promisify(execFile)(PYTHON, [MUTATE, JSON.stringify(jobs)]);
}

/** A name in the corpus's stray-file day, far from every group, one per index. */
const strayName = (i: number) => `${new Date(Date.parse('2026-02-01T00:00:00Z') + i * 600_000).toISOString().slice(0, 19)}_sb00.hdf5`;

export async function buildCorpus(root: string): Promise<Corpus> {
  const incoming = join(root, 'incoming');
  const outside = join(root, 'outside');
  mkdirSync(outside, { recursive: true });
  const groups = await simulate(incoming, 17);
  const [narrow, north] = await Promise.all([simulate(join(root, 'narrow'), 12, '--channels', '4'), simulate(join(root, 'north'), 14, '--dec', '40')]);
  const at = (k: number) => groups[k]!;
  const sb2 = (k: number) => at(k).files[2]!;
  const template = at(0).files[1]!;

  // One subband of a group made malformed; the mutation replaces the file under its own name.
  const groupMutations: { k: number; label: string; mutation: Mutation; reason: RegExp }[] = [
    { k: 1, label: 'NaN visibilities', mutation: { op: 'nonfinite', path: 'Data/visdata', value: 'nan' }, reason: /not finite/ },
    { k: 2, label: 'Inf visibilities', mutation: { op: 'nonfinite', path: 'Data/visdata', value: 'inf' }, reason: /not finite/ },
    { k: 4, label: 'visdata of the wrong shape', mutation: { op: 'shrink', path: 'Data/visdata' }, reason: /Data\/visdata/ },
    { k: 5, label: 'flags of the wrong shape', mutation: { op: 'shrink', path: 'Data/flags' }, reason: /Data\/flags/ },
    { k: 7, label: 'nsamples of the wrong shape', mutation: { op: 'shrink', path: 'Data/nsamples' }, reason: /Data\/nsamples/ },
    { k: 8, label: 'a subband whose times disagree by a minute', mutation: { op: 'add', path: 'Header/time_array', value: 60 / 86400 }, reason: /does not belong with .*different integration times/ },
    { k: 10, label: 'no pointing declination (extra_keywords/phase_center_dec)', mutation: { op: 'delete', path: 'Header/extra_keywords/phase_center_dec' }, reason: /phase_center_dec/ },
  ];
  const scratch = join(root, 'scratch');
  mkdirSync(scratch, { recursive: true });
  const groupJobs = groupMutations.map(({ k, mutation }) => {
    const src = join(scratch, `group-${k}.hdf5`);
    copyFileSync(sb2(k), src);
    return { ...mutation, src, dst: sb2(k) };
  });

  // Stray files under names of their own: each is refused before it can join a group.
  let n = 0;
  const stray = (label: string, reason: RegExp, write: (path: string) => void, name = strayName(n++)): FileCase => {
    const path = join(incoming, name);
    write(path);
    return { label, path, reason };
  };
  const copy = (path: string) => copyFileSync(template, path);
  const headerDefects: { label: string; mutation: Mutation; reason: RegExp }[] = [
    { label: 'HDF5 without a Header group', mutation: { op: 'nohdr' }, reason: /Header/ },
    ...['freq_array', 'time_array', 'ant_1_array', 'Nblts', 'latitude', 'antenna_positions', 'polarization_array', 'telescope_name'].map((field) => ({
      label: `no Header/${field}`,
      mutation: { op: 'delete' as const, path: `Header/${field}` },
      reason: new RegExp(`Header/${field}`),
    })),
    { label: 'uvw_array of the wrong shape', mutation: { op: 'shrink', path: 'Header/uvw_array' }, reason: /Header\/uvw_array/ },
    { label: 'antenna_positions of the wrong shape', mutation: { op: 'shrink', path: 'Header/antenna_positions' }, reason: /Header\/antenna_positions/ },
    { label: 'Nblts disagreeing with the rows', mutation: { op: 'add', path: 'Header/Nblts', value: 1 }, reason: /Nblts/ },
  ];
  const headerCases = headerDefects.map(({ label, reason }) => stray(label, reason, () => undefined /* written by mutate() below */));
  const good = readFileSync(template);
  const files: FileCase[] = [
    ...headerCases,
    stray('a zero-length file', /empty/, (p) => writeFileSync(p, '')),
    stray('a file cut in half', /truncated|has \d+ bytes/, (p) => writeFileSync(p, good.subarray(0, Math.floor(good.length / 2)))),
    stray('a file cut after its superblock', /truncated|has \d+ bytes/, (p) => writeFileSync(p, good.subarray(0, 800))),
    stray('random bytes', /not an HDF5 file/, (p) => writeFileSync(p, randomBytes(65536))),
    stray('a text file', /not an HDF5 file/, (p) => writeFileSync(p, 'Nblts = 111744\nthis is not HDF5\n')),
    stray('a corrupt root group', /HDF5/, (p) => writeFileSync(p, Buffer.concat([good.subarray(0, 96), Buffer.alloc(256, 0xa5), good.subarray(352)]))),
    stray('an unreadable file (mode 000)', /EACCES|permission denied/i, (p) => {
      copy(p);
      chmodSync(p, 0);
    }),
    stray('a named pipe', /not a regular file/, mkfifo),
    stray('a subband number beyond the group', /subband 9 is beyond the 4 expected/, copy, strayName(n++).replace('_sb00', '_sb09')),
    stray('a README', /"README.txt" is not YYYY/, (p) => writeFileSync(p, 'notes'), 'README.txt'),
    stray('a name with spaces', /is not YYYY/, copy, `${strayName(n++).slice(0, 19)}_sb00 copy.hdf5`),
    stray('a unicode name', /is not YYYY/, copy, `${strayName(n++).slice(0, 19)}_sb0٣.hdf5`),
    stray('a name with ..', /is not YYYY/, copy, `${strayName(n++).slice(0, 19)}_sb00..hdf5`),
    stray('a very long name', /is not YYYY/, copy, `${strayName(n++).slice(0, 19)}_sb00${'_long'.repeat(45)}.hdf5`),
    stray('a name with a leading dash', /is not YYYY/, copy, `-${strayName(n++)}`),
    stray('a name with a newline', /is not YYYY/, copy, `${strayName(n++).slice(0, 19)}\n_sb00.hdf5`),
    stray('an impossible timestamp', /impossible timestamp/, copy, '2026-02-30T25:61:00_sb00.hdf5'),
    stray('a link to a subband outside the incoming directory', /symbolic link to .*outside the incoming directory/, (p) => {
      copy(join(outside, 'elsewhere.hdf5'));
      symlinkSync(join(outside, 'elsewhere.hdf5'), p);
    }),
    stray('a link to a system file', /symbolic link to \/etc\/hostname, outside the incoming directory/, (p) => symlinkSync('/etc/hostname', p)),
  ];
  await mutate([
    ...groupJobs,
    ...headerDefects.map(({ mutation }, i) => ({ ...mutation, src: template, dst: headerCases[i]!.path })),
    { op: 'delete', path: 'Header/uvw_array', src: template, dst: join(scratch, 'no-uvw.hdf5') },
  ]);

  // Whole-file substitutions from the other simulations, and a duplicated subband.
  const substitute = (k: number, from: readonly Simulated[]) => copyFileSync(from[k]!.files[2]!, sb2(k));
  substitute(11, narrow);
  substitute(13, north);
  copyFileSync(at(14).files[1]!, sb2(14));
  const groupCases: GroupCase[] = [
    ...groupMutations.map(({ k, label, reason }) => ({ label, groupId: at(k).groupId, blamed: sb2(k), reason })),
    { label: 'one subband with half the channels', groupId: at(11).groupId, blamed: sb2(11), reason: /does not belong with .*Nfreqs is 4, not 8/ },
    { label: 'one subband at another declination', groupId: at(13).groupId, blamed: sb2(13), reason: /does not belong with .*pointing declination/ },
    { label: 'a subband duplicated under another name', groupId: at(14).groupId, blamed: sb2(14), reason: /overlap in frequency/ },
  ];

  // A group whose one subband has no uvw_array: ingest refuses it, the group never completes.
  copyFileSync(join(scratch, 'no-uvw.hdf5'), sb2(15));
  const incomplete = { groupId: at(15).groupId, missing: 2, file: { label: 'a subband without uvw_array in a group', path: sb2(15), reason: /Header\/uvw_array/ } };

  // After every other group: one too big for the data disk.
  const [tooBig] = await simulate(incoming, 1, '--start', new Date(DEFAULT_START.getTime() + 18 * GROUP_CADENCE_S * 1000).toISOString(), '--antennas', '24', '--channels', '32', '--integrations', '8');
  const goodIds = [0, 3, 6, 9, 12, 16].map((k) => at(k).groupId);
  return { incoming, good: goodIds, files, groups: groupCases, incomplete, tooBig: tooBig!.groupId };
}

/** mkfifo: Node has no API for it. */
function mkfifo(path: string): void {
  const { status, stderr } = spawnSync('mkfifo', [path]);
  if (status !== 0) throw new Error(`mkfifo ${path}: ${stderr.toString()}`);
}
