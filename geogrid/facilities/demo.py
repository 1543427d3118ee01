"""The demo district's facilities (boundary_data/facilities.geojson), loaded through the import
service like any bureau's file: upserted by type + name, the area derived from the position."""
from pathlib import Path

from .importing import import_facilities
from .models import FacilityType
from .seed import seed


def load_demo_facilities(data_dir):
    """(created, updated, unchanged) of loading the demo facilities; ImportRefused on a bad feature."""
    seed(FacilityType)  # the types the file names (a migration seeds them; a flushed database has none)
    result = import_facilities(Path(data_dir) / "facilities.geojson", crs="CGCS2000")
    return result.created, result.updated, result.unchanged
