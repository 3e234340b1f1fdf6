import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { angularSeparationDeg } from '../../../src/science/catalogs/skyGeometry.js';
import {
  candidatesFromVlaList,
  halfPowerRadiusDeg,
  meridianPointing,
  selectCalibrator,
  type CalibratorCandidate,
} from '../../../src/science/catalogs/calibratorSelection.js';
import { airyPowerBeam } from '../../../src/science/simulate/beam.js';
import { BAND_CENTRE_HZ } from '../../../src/science/simulate/layout.js';
import { pointingDecRad, readHeader } from '../../../src/science/uvh5/index.js';
import { parseVlaCalibratorEntries, DEFAULT_VLA_CALIBRATORS } from '../../../src/science/catalogs/vlaCalibrators.js';
import { contimg } from '../../support/cli.js';

interface Truth {
  readonly observation: { readonly midUtc: string };
  readonly pointing: { readonly decDeg: number; readonly j2000AtMid: { readonly raDeg: number; readonly decDeg: number } };
}

let dir: string;
let candidates: CalibratorCandidate[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-calsel-'));
  candidates = candidatesFromVlaList(parseVlaCalibratorEntries(await readFile(DEFAULT_VLA_CALIBRATORS, 'utf8')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small simulated group; its first file's header gives the pointing declination and the times. */
async function groupPointing(name: string, extra: string[]) {
  const out = join(dir, name);
  const sim = await contimg(['simulate', '--out', out, '--antennas', '6', '--channels', '4', '--integrations', '4', '--subbands', '1', '--catalogs', 'none', ...extra]);
  expect(sim.code, sim.stderr).toBe(0);
  const files = await readdir(out);
  const header = await readHeader(join(out, files.find((f) => f.endsWith('.hdf5'))!));
  const truth = JSON.parse(await readFile(join(out, files.find((f) => f.endsWith('_truth.json'))!), 'utf8')) as Truth;
  const times = Array.from(header.time_array);
  const midJd = (Math.min(...times) + Math.max(...times)) / 2;
  return { pointing: meridianPointing(midJd, (pointingDecRad(header)! * 180) / Math.PI), truth };
}

describe('calibrator groups', () => {
  it('takes the meridian pointing at mid-time from the header, as the simulator placed it (< 1″)', async () => {
    const { pointing, truth } = await groupPointing('plain', []);
    expect(angularSeparationDeg(pointing.raDeg, pointing.decDeg, truth.pointing.j2000AtMid.raDeg, truth.pointing.j2000AtMid.decDeg) * 3600).toBeLessThan(1);
  }, 60_000);

  it.each([
    ['3C454.3', '2253+161'],
    ['3C286', '1331+305'],
  ])('chooses %s for the simulator\'s --calibrator group, with the reason', async (name, iau) => {
    const { pointing } = await groupPointing(name, ['--calibrator', name]);
    const selection = selectCalibrator(candidates, pointing);
    expect(selection.calibrator?.name).toBe(iau);
    expect(selection.calibrator!.separationDeg).toBeLessThan(0.05);
    expect(selection.calibrator!.beamResponse).toBeGreaterThan(0.99);
    expect(selection.reason).toMatch(new RegExp(`^${iau.replace('+', '\\+')} \\(${name.replace('.', '\\.')}\\): \\d+(\\.\\d+)? Jy at 20 cm .*the brightest usable one ≥ 1 Jy within 1\\.35°`));
  }, 60_000);

  it('finds no calibrator in the default (target) group, and says why', async () => {
    const { pointing } = await groupPointing('target', []);
    const selection = selectCalibrator(candidates, pointing);
    expect(selection.calibrator).toBeUndefined();
    expect(selection.reason).toMatch(/^no VLA calibrator .*within 1\.35° \(the half-power radius at 1\.405 GHz\)/);
  }, 60_000);

  it('prefers the brightest through the beam, and skips faint and unusable calibrators', () => {
    const pointing = { raDeg: 100, decDeg: 30 };
    const at = (offsetDeg: number) => ({ raDeg: 100, decDeg: 30 + offsetDeg });
    const near: CalibratorCandidate = { name: 'near', ...at(0.1), fluxJy: 2, quality: 'PPPP' };
    const bright: CalibratorCandidate = { name: 'bright-edge', ...at(1.3), fluxJy: 3, quality: 'PPPP' };
    const chosen = selectCalibrator([near, bright], pointing).calibrator!;
    // 3 Jy at 1.3° is attenuated below 2 Jy at 0.1°.
    expect(airyPowerBeam(Math.sin((1.3 * Math.PI) / 180), BAND_CENTRE_HZ) * 3).toBeLessThan(2 * airyPowerBeam(Math.sin((0.1 * Math.PI) / 180), BAND_CENTRE_HZ));
    expect(chosen.name).toBe('near');
    expect(chosen.apparentFluxJy).toBeCloseTo(2 * airyPowerBeam(Math.sin((0.1 * Math.PI) / 180), BAND_CENTRE_HZ), 12);

    const faint = selectCalibrator([{ ...near, fluxJy: 0.8 }], pointing);
    expect(faint.calibrator).toBeUndefined();
    expect(faint.reason).toMatch(/no VLA calibrator ≥ 1 Jy at 20 cm .*the brightest there is near at 0\.8 Jy/);
    const resolved = selectCalibrator([{ ...near, quality: 'XXXS' }], pointing);
    expect(resolved.calibrator).toBeUndefined();
    expect(resolved.reason).toMatch(/graded X \(unusable\) for the C configuration: near/);
    expect(selectCalibrator([{ ...near, ...at(1.5) }], pointing).calibrator).toBeUndefined(); // outside the half-power radius
  });

  it('uses the half-power radius of the 4.65 m Airy beam', () => {
    const r = halfPowerRadiusDeg();
    expect(airyPowerBeam(Math.sin((r * Math.PI) / 180), BAND_CENTRE_HZ)).toBeCloseTo(0.5, 10);
    // FWHM ≈ 1.029 λ / D
    expect(2 * r).toBeCloseTo((1.029 * (299792458 / BAND_CENTRE_HZ) * 180) / Math.PI / 4.65, 2);
  });
});
