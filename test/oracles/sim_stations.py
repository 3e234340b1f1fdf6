"""astropy's WGS84 geodetic -> ECEF for the stations: sim_stations.py CSV prints JSON {name: [x, y, z]} in metres.

The CSV is read with the csv module (header on line 6; DSA-117's missing elevation is 1182.6 m).
"""
import csv
import json
import sys

import astropy.units as u
from astropy.coordinates import EarthLocation

with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))[6:]
out = {}
for _, name, lat, lon, height, *_ in rows:
    location = EarthLocation.from_geodetic(float(lon) * u.deg, float(lat) * u.deg, (float(height) if height else 1182.6) * u.m, ellipsoid="WGS84")
    out[name] = [float(c.to_value(u.m)) for c in location.to_geocentric()]
print(json.dumps(out))
