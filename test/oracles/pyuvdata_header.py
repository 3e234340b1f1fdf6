"""What the pyuvdata oracles report of a UVData's header: its dimensions and its telescope."""

DIMS = ["Nblts", "Nbls", "Ntimes", "Nfreqs", "Npols", "Nspws", "Nants_data"]


def header_summary(uvd):
    """The dimensions, and the telescope's name, instrument, site (degrees, metres) and antenna names."""
    tel = uvd.telescope
    return {
        "dims": {name: int(getattr(uvd, name)) for name in DIMS},
        "Nants_telescope": int(tel.Nants),
        "telescope_name": tel.name,
        "instrument": tel.instrument,
        "latitude_deg": float(tel.location.lat.deg),
        "longitude_deg": float(tel.location.lon.deg),
        "altitude_m": float(tel.location.height.to_value("m")),
        "antenna_names": [str(n) for n in tel.antenna_names],
    }
