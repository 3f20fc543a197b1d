"""Alembic environment. The app passes its engine in `config.attributes["engine"]`; from the command
line give the database with `alembic -x url=postgresql://…` or DIEMCAU_DATABASE_URL (docs/deployment.md)."""
import os

from alembic import context
from server.db import make_engine
from server.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = context.get_x_argument(as_dictionary=True).get("url") or os.environ["DIEMCAU_DATABASE_URL"]
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
