"""Which points lie within a cone, by astropy's great-circle separation.

usage: cat_cone.py REQUEST.json   with {"points": [[ra, dec], ...], "cones": [[ra, dec, radius], ...]}
prints JSON: per cone, the indices of the points within it and their separations (degrees).
"""
import json
import sys

import astropy.units as u
from astropy.coordinates import SkyCoord

request = json.load(open(sys.argv[1]))
points = SkyCoord([p[0] for p in request["points"]], [p[1] for p in request["points"]], unit=u.deg)
out = []
for ra, dec, radius in request["cones"]:
    sep = SkyCoord(ra, dec, unit=u.deg).separation(points).deg
    inside = [i for i, s in enumerate(sep) if s <= radius]
    out.append({"indices": inside, "separations": [float(sep[i]) for i in inside]})
print(json.dumps(out))
