from django.db import migrations


def forwards(apps, schema_editor):
    from geogrid.incidents.seed import seed

    seed(apps.get_model("grids", "IncidentCategory"))


class Migration(migrations.Migration):
    dependencies = [("grids", "0002_incidents")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
