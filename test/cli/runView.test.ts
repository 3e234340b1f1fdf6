import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'contimg-view-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('contimg run on a terminal', () => {
  it('draws the live view (queue, stages against the budget, latest groups) and writes the JSON log to a file', async () => {
    const data = join(dir, 'data');
    const run = [process.execPath, '--import', 'tsx', MAIN, '--data', data, 'run', '--incoming', join(dir, 'in'), '--simulate', '--groups', '2', '--cadence', '2']
      .concat(['--antennas', '8', '--channels', '8', '--subbands', '4', '--integrations', '2', '--until-idle'])
      .join(' ');
    // util-linux `script` gives the run a real pseudo-terminal, sized as an operator's would be
    const { stdout } = await promisify(execFile)('script', ['-qec', `stty rows 50 cols 160; ${run}`, '/dev/null'], {
      env: { ...process.env, CONTIMG_INGEST_EXPECTED_SUBBANDS: '4', CONTIMG_INGEST_STABLE_MS: '200', CONTIMG_PROCESS_STAGES: 'convert' },
      timeout: 120_000,
    });
    const screen = stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''); // eslint-disable-line no-control-regex
    expect(screen).toMatch(/groups {3}collecting 0 {3}pending 0 {3}processing 0 {3}completed 2/);
    expect(screen).toMatch(/slowest stage convert [\d.]+ s of 309\.2 s: keeping up/);
    expect(screen).toMatch(/convert {5}2 {5}0/);
    expect(screen).toContain(`full log: ${join(data, 'logs', 'run.log')}`);
    const log = readFileSync(join(data, 'logs', 'run.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['pipeline starting', 'group completed', 'pipeline stopped']));
  }, 150_000);
});
