"""The table of CACHES["throttle"] (the API rate limits' counts, workflow/throttling.py): what
`manage.py createcachetable` makes, here so that migrate (bootstrap, restore, a fresh clone) makes it too."""
from django.db import migrations

TABLE = "geogrid_throttle"


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_idempotent_request")]

    operations = [
        migrations.RunSQL(
            f'CREATE TABLE IF NOT EXISTS "{TABLE}" ("cache_key" varchar(255) NOT NULL PRIMARY KEY, "value" text NOT NULL, '
            f'"expires" timestamp with time zone NOT NULL); CREATE INDEX IF NOT EXISTS "{TABLE}_expires" ON "{TABLE}" ("expires");',
            f'DROP TABLE IF EXISTS "{TABLE}";'),
    ]
