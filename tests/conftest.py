"""Fixtures in the flaskr style: a real SQLite file per test, a client, a CLI runner."""

import pytest

from kiosk import create_app


def make_app(tmp_path, **overrides):
    """Build a kiosk app whose instance folder and database live in tmp_path."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.sqlite3'}",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def htmx_headers(**extra):
    """Headers htmx sends with every request it makes."""
    return {"HX-Request": "true", **extra}
