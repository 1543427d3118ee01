"""python manage.py import_markers FILE.csv|xlsx [--input-crs CGCS2000|WGS84|gcj02] [--line CODE]"""
import time

from django.core.management.base import BaseCommand, CommandError

from geogrid.boundaries.importing import MarkerImportFailed, import_markers


class Command(BaseCommand):
    help = "Import boundary markers (界桩) from CSV or XLSX, all or nothing; every bad row is reported."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--input-crs", default="CGCS2000", help="CGCS2000 (EPSG:4490), WGS84 (EPSG:4326) or gcj02")
        parser.add_argument("--line", help="line code for every row (when the file has no line_code column)")

    def handle(self, *args, path, input_crs, line, **options):
        t0 = time.monotonic()
        try:
            r = import_markers(path, input_crs=input_crs, line_code=line)
        except (MarkerImportFailed, OSError) as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"{len(r.rows)} marker(s): created {r.created}, updated {r.updated} ({time.monotonic() - t0:.2f} s)")
