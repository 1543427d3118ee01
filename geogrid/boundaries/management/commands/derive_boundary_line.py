"""python manage.py derive_boundary_line CODE_A CODE_B [--tolerance M] [--code C] [--name N]"""
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from geogrid.boundaries.derive import derive_boundary_line
from geogrid.boundaries.models import BoundaryLine


class Command(BaseCommand):
    help = "Derive the common boundary of two adjacent administrative areas (by their stored codes) and store it as a BoundaryLine."

    def add_arguments(self, parser):
        parser.add_argument("code_a", help="code of side A (甲方) as stored, e.g. 370113000000")
        parser.add_argument("code_b", help="code of side B (乙方)")
        parser.add_argument("--tolerance", type=float, default=1.0, help="metres: gaps and slivers up to this are closed (default 1; 0 = exact)")
        parser.add_argument("--code", help="line code (default: the two 6-digit county codes)")
        parser.add_argument("--name", help="line name (default: 甲—乙界线)")
        parser.add_argument("--level", default=BoundaryLine.Level.COUNTY, choices=BoundaryLine.Level.values)

    def handle(self, *args, code_a, code_b, tolerance, code, name, level, **options):
        t0 = time.monotonic()
        try:
            line, created = derive_boundary_line(code_a, code_b, tolerance_m=tolerance, code=code, name=name, level=level)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        self.stdout.write(f"{line.code}  {line.name}  {'created' if created else 'updated'}: "
                          f"{len(line.geom)} part(s), length {line.length_m / 1000:.3f} km "
                          f"(tolerance {tolerance:g} m, {time.monotonic() - t0:.2f} s)")
