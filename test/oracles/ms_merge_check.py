"""Checks a MeasurementSet whose spectral windows were joined into one against the MS it came from (python-casacore).

usage: ms_merge_check.py INPUT OUTPUT COLUMN
prints JSON: row and channel counts, whether DATA equals INPUT's COLUMN, and FLAG and WEIGHT_SPECTRUM theirs,
window by window in frequency order for each (TIME, ANTENNA1, ANTENNA2), and the joined channel frequencies.
"""
import json
import sys

import numpy as np
from casacore.tables import table, taql

source, joined, column = sys.argv[1:4]
keys = "TIME,ANTENNA1,ANTENNA2"
with table(f"{source}::SPECTRAL_WINDOW", ack=False) as spw:
    freqs = [spw.getcell("CHAN_FREQ", i) for i in range(spw.nrows())]
with table(f"{source}::DATA_DESCRIPTION", ack=False) as dd:
    spw_of_dd = list(dd.getcol("SPECTRAL_WINDOW_ID"))
order = sorted(range(len(freqs)), key=lambda s: freqs[s][0])
with table(source, ack=False) as t:
    parts = []
    for s in order:
        rows = taql(f"select {column}, FLAG, WEIGHT_SPECTRUM, {keys} from $t where DATA_DESC_ID == {spw_of_dd.index(s)} orderby {keys}")
        parts.append({c: rows.getcol(c) for c in (column, "FLAG", "WEIGHT_SPECTRUM", "TIME", "ANTENNA1", "ANTENNA2")})
        rows.close()
expected = {c: np.concatenate([p[c] for p in parts], axis=1) for c in (column, "FLAG", "WEIGHT_SPECTRUM")}
with table(joined, ack=False) as t:
    rows = taql(f"select DATA, FLAG, WEIGHT_SPECTRUM, DATA_DESC_ID, {keys} from $t orderby {keys}")
    got = {c: rows.getcol(c) for c in ("DATA", "FLAG", "WEIGHT_SPECTRUM", "DATA_DESC_ID", "TIME", "ANTENNA1", "ANTENNA2")}
    rows.close()
with table(f"{joined}::SPECTRAL_WINDOW", ack=False) as spw:
    joined_freqs = spw.getcell("CHAN_FREQ", 0)
    joined_spws = spw.nrows()
    num_chan = int(spw.getcell("NUM_CHAN", 0))
print(json.dumps({
    "rows": int(len(got["TIME"])),
    "expectedRows": int(len(parts[0]["TIME"])),
    "spectralWindows": joined_spws,
    "numChan": num_chan,
    "channels": int(got["DATA"].shape[1]),
    "expectedChannels": int(sum(len(f) for f in freqs)),
    "keysEqual": bool(all(np.array_equal(got[k], parts[0][k]) for k in ("TIME", "ANTENNA1", "ANTENNA2"))),
    "dataEqual": bool(np.array_equal(got["DATA"], expected[column])),
    "flagEqual": bool(np.array_equal(got["FLAG"], expected["FLAG"])),
    "weightEqual": bool(np.array_equal(got["WEIGHT_SPECTRUM"], expected["WEIGHT_SPECTRUM"])),
    "dataDescIds": sorted(set(int(d) for d in got["DATA_DESC_ID"])),
    "freqsEqual": bool(np.array_equal(joined_freqs, np.concatenate([freqs[s] for s in order]))),
    "nonZeroData": bool(np.any(got["DATA"] != 0)),
}))
