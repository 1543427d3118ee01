from django.db import migrations


def forwards(apps, schema_editor):
    from geogrid.care.seed import seed

    seed(apps.get_model("care", "CareCategory"))


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
