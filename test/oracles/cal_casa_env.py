"""Makes casatools importable offline: a casacore measures directory built from what this machine
has (Debian's casacore-data tables, and the IERS EOP 20 C04 series shipped by the astropy-iers-data
package, written as casacore's geodetic IERS tables: IERSeop2000, and IERSeop97 and IERSpredict
with the same measured values) and a CASA site configuration that
points at it with automatic data updates off. Import this module before casatools.

The C04 series gives celestial pole offsets as dX, dY (IAU 2000), not the dPsi, dEps that table
carries; those columns are 0, which changes nutation by well under a milliarcsecond.
"""
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from astropy_iers_data import IERS_B_FILE
from casacore.tables import maketabdesc, makescacoldesc, table

CACHE = Path(tempfile.gettempdir()) / "contimg-casa-measures"
# casacore asks for whichever of these its settings name; all are the C04 series here.
IERS_TABLES = ["IERSeop2000", "IERSeop97", "IERSpredict"]
COLUMNS = ["MJD", "x", "Dx", "y", "Dy", "dUT1", "DdUT1", "LOD", "DLOD", "dPsi", "DdPsi", "dEps", "DdEps"]


def _write_iers(path: Path) -> None:
    rows = np.loadtxt(IERS_B_FILE, comments="#")
    # YR MM DD HH MJD x y UT1-UTC dX dY xrt yrt LOD, then the errors in the same order.
    values = {
        "MJD": rows[:, 4], "x": rows[:, 5], "y": rows[:, 6], "dUT1": rows[:, 7], "LOD": rows[:, 12],
        "Dx": rows[:, 13], "Dy": rows[:, 14], "DdUT1": rows[:, 15], "DLOD": rows[:, 20],
    }
    desc = maketabdesc([makescacoldesc(c, 0.0) for c in COLUMNS])
    with table(str(path), desc, nrow=len(rows), ack=False) as t:
        for c in COLUMNS:
            t.putcol(c, values.get(c, np.zeros(len(rows))))
        t.putinfo({"type": "IERS", "subType": "eop2000", "readme": "IERS EOP 20 C04 (astropy-iers-data), for casatools in the tests"})
        t.putkeywords({
            "MJD0": float(rows[0, 4]) - 1, "dMJD": 1.0, "VS_DATE": "2026/01/01/00:00", "VS_CREATE": "2026/01/01/00:00",
            "VS_VERSION": "0001.0000", "VS_TYPE": "IERS EOP 20 C04",
        })


def prepare() -> None:
    geodetic = CACHE / "geodetic"
    if not all((geodetic / name).exists() for name in IERS_TABLES):
        geodetic.mkdir(parents=True, exist_ok=True)
        for source in ["/usr/share/casacore/data/geodetic/IGRF", "/usr/share/casacore/data/geodetic/Observatories", "/var/lib/casacore/data/geodetic/TAI_UTC"]:
            if Path(source).exists() and not (geodetic / Path(source).name).exists():
                (geodetic / Path(source).name).symlink_to(source)
        if not (CACHE / "ephemerides").exists():
            (CACHE / "ephemerides").symlink_to("/usr/share/casacore/data/ephemerides")
        for name in IERS_TABLES:
            partial = geodetic / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            _write_iers(partial)
            partial.rename(geodetic / name)
    config = CACHE / "casasiteconfig.py"
    config.write_text(f"measurespath = {str(CACHE)!r}\nmeasures_auto_update = False\ndata_auto_update = False\nnologfile = True\n")
    os.environ["CASASITECONFIG"] = str(config)


prepare()
