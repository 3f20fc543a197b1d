"""Several workers: fixtures for tests/deployment.py's cluster on the machine's PostgreSQL and Redis,
each module with a database and a Redis channel of its own, removed at the end. Outside CI a missing
service skips with the reason; with CI=true it fails."""
from __future__ import annotations

import uuid

import pytest

from tests.deployment import Cluster, clear_channel, fresh_database
from tests.machine_services import need_postgresql, need_redis


@pytest.fixture(scope="module")
def postgres_url():
    need_postgresql()
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def redis_channel():
    """A channel of its own on the machine's Redis (messages and link board keys), cleared at the end."""
    need_redis()
    channel = f"diemcau-test-{uuid.uuid4().hex[:10]}"
    yield channel
    clear_channel(channel)


@pytest.fixture(scope="module", params=["eventlet", "threading"])
def cluster(request, tmp_path_factory, redis_channel):
    """Two workers (eventlet, then threading: the async mode is a setting) on a database of their own,
    started from the demo as a fresh deployment would."""
    need_postgresql()
    instance = tmp_path_factory.mktemp(f"cluster-{request.param}")
    with fresh_database() as database_url:
        c = Cluster(instance, database_url, f"{redis_channel}-{request.param}", request.param).start()
        yield c
        c.stop()
