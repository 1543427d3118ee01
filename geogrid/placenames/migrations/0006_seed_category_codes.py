"""The category-code table of the national place-name database export (data/category_codes.json)."""
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def seed(apps, schema_editor):
    PlaceCategoryCode = apps.get_model("placenames", "PlaceCategoryCode")
    for category, code, name in json.loads((DATA / "category_codes.json").read_text(encoding="utf-8"))["codes"]:
        PlaceCategoryCode.objects.get_or_create(category=category, defaults={"code": code, "name": name})


class Migration(migrations.Migration):
    dependencies = [("placenames", "0005_signs_export")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
