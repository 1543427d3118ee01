"""Backup and restore of the whole service: the database as a pg_dump custom-format archive and
the uploaded files (case photos…), together in one tar file. Restoring never destroys what is
there: an existing database is renamed aside, the media directory moved aside."""
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg2
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

DUMP, MEDIA = "database.dump", "media"


class BackupError(Exception):
    pass


def _tool(name):
    """pg_dump / pg_restore of the newest installed PostgreSQL (Debian keeps them per version)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    path = str(found[-1]) if found else shutil.which(name)
    if not path:
        raise BackupError(_("找不到 %(t)s（PostgreSQL 客户端程序）") % {"t": name})
    return path


def _conn_args(db):
    args = ["-h", str(db.get("HOST") or "localhost"), "-p", str(db.get("PORT") or 5432), "-U", str(db.get("USER") or "")]
    return args


def _env(db):
    env = {"PATH": "/usr/bin:/bin"}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _connect(db, dbname):
    """A psycopg2 connection to `dbname` of the cluster that `db` (a settings dict) names."""
    return psycopg2.connect(dbname=dbname, user=db.get("USER"), host=db.get("HOST"), port=db.get("PORT"),
                            password=db.get("PASSWORD") or None)


def _run(cmd, db):
    done = subprocess.run(cmd, env=_env(db), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else " ".join(cmd))


@dataclass
class Backup:
    path: Path
    database: str
    media_files: int
    size: int


def backup(directory, *, using="default", now=None):
    """Write geogrid-<database>-<time>.tar into `directory`: the database dump and the media."""
    db = connections[using].settings_dict
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"geogrid-{db['NAME']}-{stamp}.tar"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / DUMP
        _run([_tool("pg_dump"), "-Fc", *_conn_args(db), "-f", str(dump), db["NAME"]], db)
        files = 0
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname=DUMP)
            if media_root.is_dir():
                for f in sorted(p for p in media_root.rglob("*") if p.is_file()):
                    tar.add(f, arcname=f"{MEDIA}/{f.relative_to(media_root).as_posix()}")
                    files += 1
        partial.rename(target)  # a backup is there whole or not at all
    return Backup(target, db["NAME"], files, target.stat().st_size)


@dataclass
class Restored:
    database: str
    kept_database: str | None
    media_files: int
    kept_media: Path | None


def _check(tar):
    names = tar.getnames()
    if DUMP not in names:
        raise BackupError(_("不是 geogrid 备份文件：缺少 %(f)s") % {"f": DUMP})
    for member in tar.getmembers():
        if member.name != DUMP and not (member.name.startswith(MEDIA + "/") and member.isfile()):
            raise BackupError(_("备份文件中有不应有的内容：%(n)s") % {"n": member.name})
        if ".." in Path(member.name).parts or member.name.startswith("/"):
            raise BackupError(_("备份文件中的路径不安全：%(n)s") % {"n": member.name})


def restore(path, *, into=None, media_root=None, using="default", now=None):
    """Restore a backup into a fresh database `into` (default: the configured one) and the media
    into `media_root` (default MEDIA_ROOT). What was there is renamed / moved aside first."""
    path = Path(path)
    try:
        tar = tarfile.open(path, "r")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(_("无法读取备份文件 %(p)s：%(e)s") % {"p": path, "e": exc})
    db = dict(connections[using].settings_dict)
    into = into or db["NAME"]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M%S")
    with tar, tempfile.TemporaryDirectory() as tmp:
        _check(tar)
        tar.extract(DUMP, tmp, filter="data")
        if into == connections[using].settings_dict["NAME"]:
            connections[using].close()
        admin = _connect(db, "postgres")
        admin.autocommit = True
        kept = None
        try:
            with admin.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [into])
                if cur.fetchone():
                    kept = f"{into}_before_restore_{stamp}"[:63]
                    try:
                        cur.execute(f'ALTER DATABASE "{into}" RENAME TO "{kept}"')
                    except psycopg2.Error as exc:
                        raise BackupError(_("数据库 %(db)s 正在使用，无法替换：请先停止服务（%(e)s）") % {"db": into, "e": exc.pgerror or exc})
                cur.execute(f'CREATE DATABASE "{into}"')
        finally:
            admin.close()
        try:
            _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", *_conn_args(db), "-d", into, str(Path(tmp) / DUMP)], db)
        except BackupError:
            _drop_and_put_back(db, into, kept)
            raise
        files = [m for m in tar.getmembers() if m.name.startswith(MEDIA + "/")]
        kept_media = None
        if media_root.exists() and any(media_root.iterdir()):
            kept_media = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            media_root.rename(kept_media)
        media_root.mkdir(parents=True, exist_ok=True)
        for m in files:
            data = tar.extractfile(m).read()
            out = media_root / m.name[len(MEDIA) + 1:]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
    return Restored(into, kept, len(files), kept_media)


def _drop_and_put_back(db, into, kept):
    admin = _connect(db, "postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{into}"')
            if kept:
                cur.execute(f'ALTER DATABASE "{kept}" RENAME TO "{into}"')
    finally:
        admin.close()


def table_fingerprints(dbname, *, using="default"):
    """{table: (rows, md5 of all rows)} of every table in the public schema of `dbname`: two
    databases with equal fingerprints hold the same data."""
    conn = _connect(connections[using].settings_dict, dbname)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [r[0] for r in cur.fetchall()]
            out = {}
            for t in tables:
                cur.execute(f'SELECT count(*), md5(COALESCE(string_agg(x::text, E\'\\n\' ORDER BY x::text), \'\')) FROM "{t}" x')
                out[t] = cur.fetchone()
            return out
    finally:
        conn.close()


