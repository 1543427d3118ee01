# The district functional departments of the seed (geogrid.accounts.departments), once.

from django.db import migrations


def forwards(apps, schema_editor):
    from geogrid.accounts.departments import seed_departments

    seed_departments(apps.get_model("accounts", "Department"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_department'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
