"""Fixtures in the flaskr style: a real SQLite file per test, a client, a CLI runner."""

import pytest

from kiosk import create_app


def make_app(tmp_path, **overrides):
    """Build a kiosk app whose instance folder and database live in tmp_path."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.sqlite3'}",
        # HTTP tests post forms directly; tests/test_csrf.py and every browser
        # test run with CSRF protection on.
        "WTF_CSRF_ENABLED": False,
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


def add_volunteer(app, name="王芳", pin="2468", role="volunteer"):
    """Create a volunteer directly in the database; return its id."""
    from kiosk import volunteers
    from kiosk.models import database

    with app.app_context(), database.connection_context():
        return volunteers.add(name, pin, role).id


class AuthActions:
    """Sign a volunteer in and out through the real endpoints."""

    def __init__(self, client):
        self._client = client

    def sign_in(self, volunteer_id, pin="2468"):
        return self._client.post("/volunteer/sign-in", data={"volunteer_id": volunteer_id, "pin": pin})

    def sign_out(self):
        return self._client.post("/volunteer/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)
