import { describe, expect, it } from 'vitest';
import { parseDsa110Sources, readDsa110Sources } from '../../../src/science/catalogs/dsa110Sources.js';
import { findVlaCalibrator, parseVlaCalibrators, readVlaCalibrators, spectralIndex20to6, UnknownCalibratorError } from '../../../src/science/catalogs/vlaCalibrators.js';
import { DEFAULT_STATIONS_CSV, ecefToEnu, geodeticToEcef, INACTIVE_STATIONS, parseStationsCsv, readStations, relativeEcef, SITE_ECEF } from '../../../src/science/stations.js';
import { runOracle } from '../../support/oracle.js';

describe('VLA calibrator list', () => {
  it('reads all 1,865 calibrators with their band fluxes', async () => {
    const list = await readVlaCalibrators();
    expect(list).toHaveLength(1865);
    expect(list.filter((c) => c.fluxJy['20cm'] !== undefined)).toHaveLength(1041);
    expect(list.find((c) => c.name === '2253+161')).toEqual({
      name: '2253+161',
      altName: '3C454.3',
      raDeg: 15 * (22 + 53 / 60 + 57.747932 / 3600),
      decDeg: 16 + 8 / 60 + 53.56089 / 3600,
      positionCode: 'A',
      fluxJy: { '90cm': 15, '20cm': 10, '6cm': 10, '3.7cm': 10.9, '2cm': 15, '0.7cm': 17.1 },
    });
    const southern = list.find((c) => c.name === '0006-063')!;
    expect(southern.decDeg).toBeCloseTo(-(6 + 23 / 60 + 35.3353 / 3600), 9);
    expect(spectralIndex20to6(southern)).toBeCloseTo(Math.log(1.3 / 1.6) / Math.log(4.86 / 1.4), 12);
    expect(list.find((c) => c.name === '0922-399')!.fluxJy['20cm']).toBeUndefined(); // listed as "?"
  });

  it('rejects lines it does not know, naming the line', () => {
    expect(() => parseVlaCalibrators(' 20cm    L  X X X X       1.0\n', 'cal.txt')).toThrow('cal.txt:1: a band line before any J2000 line');
    expect(() => parseVlaCalibrators('something else\n', 'cal.txt')).toThrow('cal.txt:1: unrecognised line "something else"');
  });

  it('finds calibrators by IAU or common name and suggests close names otherwise', async () => {
    const list = await readVlaCalibrators();
    for (const query of ['2253+161', 'J2253+161', '3c454.3', '3C 454.3']) expect(findVlaCalibrator(list, query).name).toBe('2253+161');
    expect(() => findVlaCalibrator(list, 'JVAS')).toThrow(/ambiguous/);
    expect(() => findVlaCalibrator(list, '3C48x')).toThrow(UnknownCalibratorError);
    expect(() => findVlaCalibrator(list, '3C48x')).toThrow(/closest: 3C48,/);
  });
});

describe('DSA-110 source list', () => {
  it('reads the 170 sources', async () => {
    const sources = await readDsa110Sources();
    expect(sources).toHaveLength(170);
    expect(sources[0]).toEqual({
      name: 'J343.4904+16.1482', raDeg: 343.49042, decDeg: 16.14817, catalogFluxJy: 12.6568, measuredFluxJy: 16.80004, fluxErrJy: 0.09091, fluxRatio: 1.3274, snr: 184.8,
    });
    expect(() => parseDsa110Sources('name,ra\n', 'x.csv')).toThrow('x.csv:1: expected the header');
  });
});

describe('stations', () => {
  it('reads 117 stations, 96 active, filling in the height of DSA-117', async () => {
    const stations = await readStations();
    expect(stations).toHaveLength(117);
    expect(stations.filter((s) => s.active)).toHaveLength(96);
    expect(stations.filter((s) => !s.active).map((s) => s.number)).toEqual([...INACTIVE_STATIONS]);
    expect(stations[116]).toEqual({ number: 117, name: 'DSA-117', latitudeDeg: 37.2315343, longitudeDeg: -118.2966607, heightM: 1182.6, active: false });
    expect(() => parseStationsCsv(',Station Number,Latitude,Longitude,Elevation (meters)\n,DSA-1,1,2,3\n', 's.csv')).toThrow('s.csv:2: not a station row');
  });

  it('converts WGS84 to ECEF as astropy does, to 1 mm', async () => {
    const astropy = JSON.parse(await runOracle('sim_stations.py', [DEFAULT_STATIONS_CSV])) as Record<string, [number, number, number]>;
    const stations = await readStations();
    expect(Object.keys(astropy)).toEqual(stations.map((s) => s.name));
    for (const s of stations) {
      const ours = geodeticToEcef(s.latitudeDeg, s.longitudeDeg, s.heightM);
      ours.forEach((c, k) => expect(Math.abs(c - astropy[s.name]![k]!), s.name).toBeLessThan(1e-3));
    }
  });

  it('places the array around the site: DSA-001…009 on one east-west line, ~40 m below the site', async () => {
    const stations = await readStations();
    const enu = stations.slice(0, 9).map((s) => ecefToEnu(relativeEcef(s)));
    for (const [e, n, u] of enu) {
      expect(n).toBeCloseTo(enu[0]![1], 2);
      expect(u).toBeCloseTo(1182.6 - 1222, 0);
      expect(Math.abs(e)).toBeLessThan(400);
    }
    expect(Math.hypot(...SITE_ECEF)).toBeCloseTo(6_370_000, -4);
  });
});
