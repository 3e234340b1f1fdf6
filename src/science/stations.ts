/**
 * The DSA-110 stations: the station CSV (WGS84 geodetic), which stations are active, and the
 * geodetic → ECEF → ENU conversions that turn them into antenna positions.
 */
import { readFile } from 'node:fs/promises';
import { sharedDataPath } from './sharedData.js';
import { OVRO } from './site.js';

export const DEFAULT_STATIONS_CSV = sharedDataPath('dsa110/DSA110_Station_Coordinates.csv');

/** Stations without a working antenna: DSA-10, 21, 22, 23, 52–67 and 117. */
export const INACTIVE_STATIONS: ReadonlySet<number> = new Set([10, 21, 22, 23, ...Array.from({ length: 16 }, (_, i) => 52 + i), 117]);

/** The CSV leaves DSA-117's elevation empty; the incumbent fills in this height. */
export const MISSING_HEIGHT_M = 1182.6;

export interface Station {
  /** The integer after "DSA-": 1–117; also the UVH5 antenna number. */
  readonly number: number;
  /** As in the CSV, e.g. "DSA-001". */
  readonly name: string;
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
  readonly heightM: number;
  readonly active: boolean;
}

export type Vec3 = readonly [number, number, number];

const HEADER = ',Station Number,Latitude,Longitude,Elevation (meters)';
const ROW = /^,(DSA-(\d{3})),(-?\d+\.\d+),(-?\d+\.\d+),(\d+(?:\.\d+)?)?$/;

/** Parses the station CSV (five preamble lines, the header on line 6, then one row per station). */
export function parseStationsCsv(text: string, source = 'station CSV'): Station[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((line) => line === HEADER);
  if (headerAt < 0) throw new Error(`${source}: no header line "${HEADER}"`);
  const stations: Station[] = [];
  lines.slice(headerAt + 1).forEach((line, i) => {
    if (line === '') return;
    const match = ROW.exec(line);
    if (!match) throw new Error(`${source}:${headerAt + 2 + i}: not a station row: ${JSON.stringify(line)}`);
    const [, name, digits, lat, lon, height] = match as unknown as [string, string, string, string, string, string | undefined];
    const number = Number(digits);
    stations.push({
      number,
      name,
      latitudeDeg: Number(lat),
      longitudeDeg: Number(lon),
      heightM: height === undefined ? MISSING_HEIGHT_M : Number(height),
      active: !INACTIVE_STATIONS.has(number),
    });
  });
  const numbers = stations.map((s) => s.number);
  if (new Set(numbers).size !== numbers.length) throw new Error(`${source}: duplicate station numbers`);
  return stations.sort((a, b) => a.number - b.number);
}

export async function readStations(path = DEFAULT_STATIONS_CSV): Promise<Station[]> {
  return parseStationsCsv(await readFile(path, 'utf8'), path);
}

const WGS84_A = 6378137;
const WGS84_F = 1 / 298.257223563;
const WGS84_E2 = WGS84_F * (2 - WGS84_F);
const RAD = Math.PI / 180;

/** WGS84 geodetic → Earth-centred, Earth-fixed (ITRF) metres. */
export function geodeticToEcef(latitudeDeg: number, longitudeDeg: number, heightM: number): Vec3 {
  const lat = latitudeDeg * RAD;
  const lon = longitudeDeg * RAD;
  const sinLat = Math.sin(lat);
  const primeVertical = WGS84_A / Math.sqrt(1 - WGS84_E2 * sinLat * sinLat);
  const r = (primeVertical + heightM) * Math.cos(lat);
  return [r * Math.cos(lon), r * Math.sin(lon), (primeVertical * (1 - WGS84_E2) + heightM) * sinLat];
}

/** The site (OVRO) in ECEF metres. */
export const SITE_ECEF: Vec3 = geodeticToEcef(OVRO.latitudeDeg, OVRO.longitudeDeg, OVRO.heightM);

/** A station's ECEF position relative to the site: UVH5 `antenna_positions`, as pyuvdata expects. */
export function relativeEcef(station: Station): Vec3 {
  const [x, y, z] = geodeticToEcef(station.latitudeDeg, station.longitudeDeg, station.heightM);
  return [x - SITE_ECEF[0], y - SITE_ECEF[1], z - SITE_ECEF[2]];
}

/** An ECEF offset from the site rotated into east, north, up at the site. */
export function ecefToEnu([dx, dy, dz]: Vec3): Vec3 {
  const lat = OVRO.latitudeDeg * RAD;
  const lon = OVRO.longitudeDeg * RAD;
  const [sinLat, cosLat, sinLon, cosLon] = [Math.sin(lat), Math.cos(lat), Math.sin(lon), Math.cos(lon)];
  return [
    -sinLon * dx + cosLon * dy,
    -sinLat * cosLon * dx - sinLat * sinLon * dy + cosLat * dz,
    cosLat * cosLon * dx + cosLat * sinLon * dy + sinLat * dz,
  ];
}
