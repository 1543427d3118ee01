"""Run by cluster.Cluster.create_database in a subprocess whose DATABASE_URL names the throwaway
database: migrate it, then build the test district of tests/support/world.py plus two level-5 grids
in G4b, and an API token for each reporter; prints them as JSON on the last line. (One process for
both: Django's start-up is paid once.)"""
import json
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from geogrid.grids.models import Grid  # noqa: E402
from tests.support import box  # noqa: E402
from tests.support.world import world  # noqa: E402

REPORTERS = ("m_a", "head_a", "cs1", "sd1", "da")

call_command("migrate", interactive=False, verbosity=0)
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py: PBKDF2 costs 0.3 s a user
w = world()
Grid.objects.create(code="3701120010010201", name="乙一小网格", level=5, parent=w["g4b"], community=w["c1"],
                    geom=box(116.725, 36.50, 116.7375, 36.55))
Grid.objects.create(code="3701120010010202", name="乙二小网格", level=5, parent=w["g4b"], community=w["c1"],
                    geom=box(116.7375, 36.50, 116.75, 36.55))
# Each level-5 grid's box, shrunk a little: a point drawn in it lies in exactly that grid.
boxes = [[x0 + 0.0005, y0 + 0.0005, x1 - 0.0005, y1 - 0.0005] for x0, y0, x1, y1 in
         (g.geom.extent for g in Grid.objects.filter(level=5).order_by("code"))]
tokens = [Token.objects.get_or_create(user=w[name])[0].key for name in REPORTERS]
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"tokens": tokens, "boxes": boxes, "cpu_s": usage.ru_utime + usage.ru_stime}))
