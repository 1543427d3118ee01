"""The audit log is append-only in the database too: UPDATE and DELETE of an audit_auditevent row are
refused by a trigger (restrict_violation → IntegrityError), whatever path they come by — the admin
(already read-only), a bulk queryset, raw SQL, a shell session. INSERT is untouched, and so is
TRUNCATE (test teardown, restoring a backup into a fresh database). A retention purge, if the bureau
ever needs one, is a deliberate migration that drops this trigger first; a DBA who owns the table can
still disable it: this guards against mistakes and application paths, not against the table's owner."""
from django.db import migrations

FORWARD = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % of audit_auditevent % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
