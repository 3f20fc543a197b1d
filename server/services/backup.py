"""Backups of a whole install, taken while it runs, and restored into a fresh one mid-event.

A backup is one zip: the database (SQLite's online backup of the file, or `pg_dump --format=custom`
for PostgreSQL), the instance's secret key (every printed invitation and sign-in link is signed with
it: without it the restored server would refuse every QR code already on paper) and a manifest. It
holds the key, so it is written readable by its owner only and is to be kept like the key itself.

Restoring puts the database in place (an SQLite file, or `pg_restore` into an empty PostgreSQL
database), the key into the instance folder, and brings the schema to the newest revision.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy.engine import make_url

from ..i18n import lazy
from ..models import utcnow
from .errors import Invalid

FORMAT = 1
DB_SQLITE, DB_POSTGRES = "database.sqlite3", "database.pgdump"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Invalid(lazy("Không tìm thấy lệnh %(tool)s của PostgreSQL: cài gói postgresql-client "
                           "(apt-get install postgresql-client) rồi chạy lại.", tool=name))
    return path


def _libpq(url) -> tuple[str, dict]:
    """A libpq address without the password, and the password in the environment (not on a command line
    that `ps` shows)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(args: list[str], env: dict | None = None) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise Invalid(lazy("%(tool)s dừng với lỗi: %(error)s", tool=Path(args[0]).name,
                           error=(done.stderr.strip().splitlines() or ["?"])[-1][:300]))


def sqlite_path(database_url: str) -> Path:
    return Path(make_url(database_url).database or "")


def create(database_url: str, secret_key: str, revision: str | None, target: Path) -> Path:
    """Writes the backup zip to `target` (a folder gets a dated file name) and returns its path."""
    url = make_url(database_url)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    if target.is_dir():
        target = target / f"diemcau-{stamp}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        if url.get_backend_name() == "sqlite":
            dump = Path(tmp) / DB_SQLITE
            source = sqlite3.connect(str(sqlite_path(database_url)))
            copy = sqlite3.connect(str(dump))
            with copy:
                source.backup(copy)           # a consistent copy while the server keeps writing
            copy.close()
            source.close()
        elif url.get_backend_name() == "postgresql":
            dump = Path(tmp) / DB_POSTGRES
            address, env = _libpq(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", address], env)
        else:
            raise Invalid(lazy("Chỉ sao lưu được SQLite hoặc PostgreSQL."))
        manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "database": url.get_backend_name(),
                    "revision": revision}
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)     # it holds the secret key
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(dump, dump.name)
            archive.writestr("secret_key", secret_key)
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def _read(source: Path) -> tuple[zipfile.ZipFile, dict]:
    try:
        archive = zipfile.ZipFile(source)
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT or "secret_key" not in archive.namelist():
            raise ValueError("not a backup of this kind")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        raise Invalid(lazy("Tệp %(name)s không phải bản sao lưu của Điểm Cầu (tạo bằng diemcau backup).",
                           name=source.name))
    return archive, manifest


def restore(source: Path, database_url: str, instance_dir: Path, *, replace: bool = False) -> dict:
    """Puts the backup in place. Refuses to overwrite a database that has data or a different secret
    key unless `replace`. Returns the backup's manifest."""
    archive, manifest = _read(source)
    url = make_url(database_url)
    if manifest["database"] != url.get_backend_name():
        raise Invalid(lazy("Bản sao lưu là của %(kind)s; hãy khôi phục vào một cơ sở dữ liệu %(kind)s.",
                           kind=manifest["database"]))
    key_file = instance_dir / "secret_key"
    key = archive.read("secret_key").decode().strip()
    if key_file.exists() and key_file.read_text().strip() != key and not replace:
        raise Invalid(lazy("Thư mục %(dir)s đã có khóa bí mật khác: khôi phục vào một thư mục mới, hoặc thêm "
                           "--replace để thay (mọi phiên đăng nhập hiện tại sẽ hết).", dir=str(instance_dir)))
    with tempfile.TemporaryDirectory() as tmp:
        if url.get_backend_name() == "sqlite":
            path = sqlite_path(database_url)
            if path.exists() and path.stat().st_size > 0 and not replace:
                raise Invalid(lazy("Đã có cơ sở dữ liệu %(path)s: khôi phục vào một thư mục mới, hoặc thêm --replace "
                                   "để ghi đè.", path=str(path)))
            archive.extract(DB_SQLITE, tmp)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / DB_SQLITE, path)
        else:
            archive.extract(DB_POSTGRES, tmp)
            address, env = _libpq(url)
            args = [_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={address}"]
            _run(args + (["--clean", "--if-exists"] if replace else []) + [str(Path(tmp) / DB_POSTGRES)], env)
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return manifest
