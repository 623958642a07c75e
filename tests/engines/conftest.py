"""Engine fixtures: a PostgreSQL database per test, one SparkSession per test session."""

from __future__ import annotations

import secrets

import pytest

from engines._servers import create_database, drop_database, server_url, start_spark


@pytest.fixture(scope="session")
def pg_admin_url():
    url, server = server_url()
    yield url
    if server is not None:
        server.stop()


@pytest.fixture
def pg_url(pg_admin_url):
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    name = f"lw_test_{secrets.token_hex(4)}"
    yield create_database(pg_admin_url, name)
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One local[2] SparkSession for the whole test session (starting one costs ~20 s)."""
    session = start_spark(tmp_path_factory.mktemp("spark-warehouse"))
    yield session
    session.stop()


@pytest.fixture
def spark_db(spark):
    """A fresh Spark database (namespace) for one test, set as the current one."""
    name = f"lw_test_{secrets.token_hex(4)}"
    spark.sql(f"CREATE DATABASE {name}")
    previous = spark.catalog.currentDatabase()
    spark.catalog.setCurrentDatabase(name)
    yield name
    spark.catalog.setCurrentDatabase(previous)
    spark.sql(f"DROP DATABASE {name} CASCADE")
