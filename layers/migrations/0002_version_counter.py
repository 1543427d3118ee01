"""One sequence for every layer's version (layers/versions.py): a number is never given twice in a
database, even by a transaction that rolls back, so a stored tile's path names one content. It
starts at a random number, as the counters did: a rebuilt database must not meet the numbers of
an old one (in a process's cache or the tile store)."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]

    operations = [
        migrations.RunSQL(
            """DO $$ BEGIN
                 EXECUTE format('CREATE SEQUENCE layers_version_counter START %s',
                                (random() * 4503599627370496)::bigint + (SELECT coalesce(max(version), 0) + 1 FROM layers_layerversion));
               END $$""",
            "DROP SEQUENCE layers_version_counter",
        ),
    ]
