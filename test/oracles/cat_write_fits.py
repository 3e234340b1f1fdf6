"""Writes a VizieR-style FITS binary table of NVSS rows read from a VizieR TSV file, with astropy.

usage: cat_write_fits.py TSV OUT.fits[.gz]
Columns as VizieR's FITS output has them: _RAJ2000/_DEJ2000 (degrees, computed from the
sexagesimal RAJ2000/DEJ2000, which are kept as strings), S1.4 and e_S1.4 (mJy), MajAxis and MinAxis
(arcsec), the NVSS name, plus a 2-element vector column that readers must skip.
"""
import sys

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

tsv, out = sys.argv[1], sys.argv[2]
lines = [line.rstrip("\n") for line in open(tsv) if line.strip() and not line.startswith("#")]
names = lines[0].split("\t")
rows = [dict(zip(names, (c.strip() for c in line.split("\t")))) for line in lines[3:]]
coords = SkyCoord([r["RAJ2000"] for r in rows], [r["DEJ2000"] for r in rows], unit=(u.hourangle, u.deg))
table = Table()
table["_RAJ2000"] = coords.ra.deg * u.deg
table["_DEJ2000"] = coords.dec.deg * u.deg
table["RAJ2000"] = [r["RAJ2000"] for r in rows]
table["DEJ2000"] = [r["DEJ2000"] for r in rows]
table["S1.4"] = np.array([float(r["S1.4"]) for r in rows], dtype=np.float32) * u.mJy
table["e_S1.4"] = np.array([float(r["e_S1.4"]) for r in rows], dtype=np.float32) * u.mJy
table["MajAxis"] = np.array([float(r["MajAxis"]) for r in rows], dtype=np.float32) * u.arcsec
table["MinAxis"] = np.array([float(r["MinAxis"]) for r in rows], dtype=np.float32) * u.arcsec
table["NVSS"] = [r["NVSS"] for r in rows]
table["Xpos_Ypos"] = np.zeros((len(rows), 2), dtype=np.float32)
table.meta["EXTNAME"] = "VIII_65_nvss"
table.write(out, format="fits", overwrite=True)
print(len(rows))
