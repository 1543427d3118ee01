"""The 通名 table and the example forbidden words (data files in geogrid/placenames/data/), and the
sound of every named road for the homophone check."""
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def seed(apps, schema_editor):
    GenericName = apps.get_model("placenames", "GenericName")
    ForbiddenWord = apps.get_model("placenames", "ForbiddenWord")
    Road = apps.get_model("placenames", "Road")
    for name, spelling in json.loads((DATA / "generics.json").read_text(encoding="utf-8")):
        GenericName.objects.get_or_create(name=name, defaults={"spelling": spelling})
    for word, kind, note in json.loads((DATA / "forbidden_words.json").read_text(encoding="utf-8"))["words"]:
        ForbiddenWord.objects.get_or_create(word=word, defaults={"kind": kind, "note": note})
    from geogrid.placenames.pinyin import sound_key

    for road in Road.objects.exclude(name="").only("pk", "name"):
        Road.objects.filter(pk=road.pk).update(sound_key=sound_key(road.name))


class Migration(migrations.Migration):
    dependencies = [("placenames", "0003_naming")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
