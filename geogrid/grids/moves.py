"""Models that moved out of grids/ (incidents and patrols, in state-only migrations): their
content types follow them, so nothing keyed by content type comes loose."""
from django.db import migrations


def move_content_types(app_label, models):
    """Point the content types of the moved models at their new app, so audit events, permissions
    and the groups' grants (all keyed by content type) stay attached to the same rows."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            old = ContentType.objects.filter(app_label="grids", model=model).first()
            if old is None:
                continue  # a new database: post_migrate creates the new content type
            ContentType.objects.filter(app_label=app_label, model=model).delete()  # an empty twin, if any
            old.app_label = app_label
            old.save(update_fields=["app_label"])

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=app_label, model__in=models).update(app_label="grids")

    return migrations.RunPython(forwards, backwards)
