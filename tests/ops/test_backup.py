"""make backup / make restore round trip: the demo plus cases with photos, dumped with the media,
restored into a fresh database and media directory: every table has the same rows (count and a
checksum of all rows) and every file the same bytes. Restoring over an existing database keeps
it, renamed; a file that is not a backup changes nothing."""
import hashlib
import io
import tarfile

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from geogrid.accounts.models import User
from geogrid.incidents.models import IncidentPhoto
from geogrid.incidents.services import report_incident
from geogrid.ops.backups import table_fingerprints
from tests.support.demo import demo_db  # noqa: F401  (a copy of the demo database for this test)
from tests.support.world import jpeg_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def files(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def admin_sql(sql):
    db = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_demo_and_cases_with_photos_come_back_the_same(demo_db, tmp_path, media):
    member = User.objects.get(username="demo_member")
    point = member.grid_memberships.first().grid.geom.point_on_surface
    for i in range(3):
        photo = SimpleUploadedFile(f"p{i}.jpg", jpeg_bytes(color=(i * 60, 80, 90)), content_type="image/jpeg")
        report_incident(member, category="environment", description=f"备份测试 {i}", lon=point.x, lat=point.y, photos=[photo])
    assert IncidentPhoto.objects.count() >= 3 and files(media)
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    archive = next((tmp_path / "backups").glob("geogrid-*.tar"))
    assert str(archive) in out.getvalue()

    restored = connection.settings_dict["NAME"] + "_restored"
    admin_sql(f'DROP DATABASE IF EXISTS "{restored}"')
    try:
        call_command("restore", str(archive), "--into", restored, "--media-root", str(tmp_path / "media2"), stdout=io.StringIO())
        before, after = table_fingerprints(connection.settings_dict["NAME"]), table_fingerprints(restored)
        assert before == after
        assert before["grids_incident"][0] >= 3 and before["grids_grid"][0] > 1000  # the demo is in it
        assert files(tmp_path / "media2") == files(media)
        # Restoring again over that database keeps it, renamed.
        out = io.StringIO()
        call_command("restore", str(archive), "--into", restored, "--media-root", str(tmp_path / "media2"), stdout=out)
        kept = [r[0] for r in admin_sql(f"SELECT datname FROM pg_database WHERE datname LIKE '{restored}_before_restore_%'")]
        assert len(kept) == 1 and kept[0] in out.getvalue()
        assert table_fingerprints(kept[0]) == after
        assert list(tmp_path.glob("media2.before-restore-*"))
    finally:
        for name in [restored] + [r[0] for r in admin_sql(f"SELECT datname FROM pg_database WHERE datname LIKE '{restored}_%'")]:
            admin_sql(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_file_that_is_not_a_backup_changes_nothing(tmp_path, media):
    junk = tmp_path / "junk.tar"
    with tarfile.open(junk, "w") as tar:
        data = b"not a dump"
        info = tarfile.TarInfo("../../etc/evil")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (tmp_path / "text.tar").write_text("hello")
    target = connection.settings_dict["NAME"] + "_never"
    for path in (junk, tmp_path / "text.tar", tmp_path / "missing.tar"):
        with pytest.raises(CommandError, match="恢复失败，未做任何改动"):
            call_command("restore", str(path), "--into", target, "--media-root", str(tmp_path / "m"), stdout=io.StringIO())
    assert not admin_sql(f"SELECT 1 FROM pg_database WHERE datname = '{target}'")
    assert not (tmp_path / "m").exists()
