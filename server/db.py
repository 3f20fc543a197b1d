"""Engine and sessions. Interfaces open a session, services receive it: no hidden global session."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event as sa_event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


# Any number taken as the key of the PostgreSQL advisory lock held while a worker migrates and
# seeds the database, so workers started together do it one after another.
SETUP_LOCK_KEY = 0x6469656D636175       # "diemcau"


def driver_url(url: str) -> str:
    """`postgresql://` means psycopg2: SQLAlchemy 2.1 would pick psycopg 3, which cannot run under
    eventlet (its wait callback is what makes psycopg2 cooperative, see runner.py)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = driver_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa_event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL lets screens read while the desk writes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # Thousands of green threads share the pool; a request waits for a connection rather than
    # opening hundreds (PostgreSQL's default limit is 100 for every worker together).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=30)


class Database:
    def __init__(self, url: str):
        self.url = driver_url(url)
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.sessionmaker()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Held while a worker migrates and loads the demo: workers started together on one
        PostgreSQL database would otherwise both create the same tables and the same event."""
        if not self.is_postgresql:
            yield                 # SQLite serialises writers itself; one process per file is the norm
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})
                conn.commit()

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self) -> None:
        """Bring the schema to the newest Alembic revision (the only way tables are made)."""
        from pathlib import Path

        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        cfg.attributes["engine"] = self.engine
        if self.current_revision() == ScriptDirectory.from_config(cfg).get_current_head():
            return                                # already at head: skip loading the environment
        command.upgrade(cfg, "head")
