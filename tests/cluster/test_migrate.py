"""Migrating a PostgreSQL database before the workers start, as docs/deployment.md says: with
`diemcau migrate` and with Alembic's own command line, on the machine's PostgreSQL."""
from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from server.db import Database
from tests.deployment import fresh_database
from tests.machine_services import need_postgresql
from tests.server_process import ROOT

pytestmark = pytest.mark.cluster


def head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "server" / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def empty_database():
    need_postgresql()
    with fresh_database() as url:
        yield url


def test_diemcau_migrate_brings_an_empty_database_to_the_newest_schema_once(empty_database):
    first = run("-m", "server", "migrate", "--database-url", empty_database)
    assert first.returncode == 0, first.stderr
    assert head() in first.stdout
    db = Database(empty_database)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head()
        tables = set(inspect(db.engine).get_table_names())
        assert {"event", "bridge_point", "show_state", "delegate", "scan", "check_in", "award"} <= tables
        # Again, as every worker's unit requires: nothing to do, the same answer.
        again = run("-m", "server", "migrate", "--database-url", empty_database)
        assert again.returncode == 0, again.stderr
        assert again.stdout == first.stdout
        assert set(inspect(db.engine).get_table_names()) == tables
    finally:
        db.engine.dispose()


def test_alembic_command_line_from_the_project_folder_upgrades_and_reports_the_revision(empty_database):
    before = run("-m", "alembic", "-x", f"url={empty_database}", "current")
    assert before.returncode == 0, before.stderr
    assert head() not in before.stdout
    up = run("-m", "alembic", "-x", f"url={empty_database}", "upgrade", "head")
    assert up.returncode == 0, up.stderr
    after = run("-m", "alembic", "-x", f"url={empty_database}", "current")
    assert after.returncode == 0, after.stderr
    assert f"{head()} (head)" in after.stdout
