"""Test servers for the engine tests: a PostgreSQL server and one local SparkSession.

PostgreSQL: ``LINEWISE_TEST_POSTGRES`` (a ``postgresql://`` URL of a role that may create
databases) names a running server; CI's ``.ci/engines.sh`` starts one and sets it. Without it,
a throwaway cluster is started from Debian's binaries (``initdb`` + ``pg_ctl`` in a temporary
folder, trust authentication on 127.0.0.1, a free port) and stopped at the end of the session.

Missing engines skip their tests with the reason, except under ``CI=true``, where they fail:
CI must never pass by skipping the engines it is meant to test.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Skip locally, fail under CI."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, owned by the ``postgres`` user when run as root."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
        self.pg_ctl = pg_ctl
        self.dir = Path(tempfile.mkdtemp(prefix="linewise-pg-"))
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self._run([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([pg_ctl, "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start"])
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: list[str]) -> None:
        res = subprocess.run([*self.prefix, *cmd], capture_output=True, text=True, timeout=120)
        if res.returncode:
            raise RuntimeError(f"{' '.join(cmd[:1])} failed: {res.stderr.strip() or res.stdout.strip()}")

    def stop(self) -> None:
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def server_url() -> tuple[str, ThrowawayPostgres | None]:
    """The admin URL of a PostgreSQL server (and the throwaway server to stop, if started)."""
    url = os.environ.get("LINEWISE_TEST_POSTGRES")
    if url:
        return url, None
    if IN_CI:
        unavailable("LINEWISE_TEST_POSTGRES is not set (.ci/engines.sh starts PostgreSQL and sets it)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[dev]')")
    try:
        server = ThrowawayPostgres()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        unavailable(f"no PostgreSQL server: {exc}")
    return server.url, server


def with_database(url: str, database: str) -> str:
    """``url`` with its database replaced."""
    head, _, tail = url.rpartition("/")
    query = tail.partition("?")[2]
    return f"{head}/{database}" + (f"?{query}" if query else "")


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_spark(warehouse: Path):
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed (pip install -e '.[dev]')")
    from linewise.store.engines import spark_session

    t0 = time.perf_counter()
    session = spark_session("local[2]", warehouse=warehouse, app_name="linewise-tests")
    session.sparkContext.setLogLevel("ERROR")
    session._linewise_startup_seconds = time.perf_counter() - t0
    return session
