"""Print python-casacore's view of a table as JSON: table_summary.py TABLE_PATH.

Shapes are as python-casacore reports them (C order, slowest axis first).
"""
import json
import sys

from casacore import tables as pt

SUBTABLE_PREFIX = "Table: "


def main(path: str) -> None:
    t = pt.table(path, ack=False)
    columns = {}
    for name in t.colnames():
        desc = t.getcoldesc(name)
        columns[name] = {
            "valueType": desc["valueType"],
            "isArray": "ndim" in desc,
            "ndim": desc.get("ndim"),
            "shape": [int(n) for n in desc["shape"]] if "shape" in desc else None,
            "dataManagerType": t.getdminfo(name)["TYPE"],
        }
    subtables = {
        key: value[len(SUBTABLE_PREFIX):]
        for key, value in t.getkeywords().items()
        if isinstance(value, str) and value.startswith(SUBTABLE_PREFIX)
    }
    summary = {
        "nrows": t.nrows(),
        "tableType": t.info()["type"],
        "columns": columns,
        "subtables": subtables,
    }
    t.close()
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
