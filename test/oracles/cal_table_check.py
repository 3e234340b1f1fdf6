"""Describes a calibration table as python-casacore sees it: what CASA needs to recognise it.

usage: cal_table_check.py TABLE
prints JSON: table info, keywords (subtables as their row counts), columns, the shape of a row's
parameters (CPARAM, or FPARAM for delays), rows, SPWs, reference antennas, and for a delay table
its delays (ns) per row.
"""
import json
import sys

from casacore.tables import table

path = sys.argv[1]
with table(path, ack=False) as t:
    param = "FPARAM" if "FPARAM" in t.colnames() else "CPARAM"
    keywords = {}
    for name, value in t.getkeywords().items():
        if isinstance(value, str) and value.startswith("Table: "):
            with table(value[len("Table: "):], ack=False) as sub:
                keywords[name] = {"subtable": True, "rows": sub.nrows(), "columns": sub.colnames()}
        else:
            keywords[name] = value
    info = t.info()
    print(json.dumps({
        "type": info["type"],
        "subType": info["subType"],
        "keywords": keywords,
        "columns": t.colnames(),
        "timeUnit": t.getcolkeywords("TIME").get("QuantumUnits"),
        "timeMeasure": t.getcolkeywords("TIME").get("MEASINFO"),
        "paramShape": list(t.getcell(param, 0).shape),
        "delaysNs": t.getcol("FPARAM").tolist() if param == "FPARAM" else None,
        "rows": t.nrows(),
        "spws": sorted(set(int(s) for s in t.getcol("SPECTRAL_WINDOW_ID"))),
        "refAntennas": sorted(set(int(a) for a in t.getcol("ANTENNA2"))),
    }, default=str))
