/**
 * The DSA-110 telescope and its site: the one definition every part of contimg uses (UVH5 headers,
 * MS ANTENNA/OBSERVATION tables, sidereal time, primary beam).
 */

/** OVRO, geodetic on the WGS84 ellipsoid. */
export const OVRO = { latitudeDeg: 37.2339, longitudeDeg: -118.2825, heightM: 1222 } as const;

/** The name EveryBeam and our MS writer use (the UVH5 `telescope_name`). */
export const TELESCOPE_NAME = 'DSA_110';

/** Every DSA-110 dish, in metres (alt-az mounts). */
export const DISH_DIAMETER_M = 4.65;
