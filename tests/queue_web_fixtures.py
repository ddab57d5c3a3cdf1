"""Fixtures of the queue web tests, loaded with `pytest_plugins`: a world of units and
staff, the app's intake keys, and signed-in clients (one cookie jar each)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.intake.keys import IntakeKeys
from tests.conftest import BASE_URL, login
from tests.workflow_support import World, make_world


@pytest.fixture
def world(db: Session, make_user) -> World:  # type: ignore[no-untyped-def]
    return make_world(db, make_user)


@pytest.fixture
def keys(app: Any) -> IntakeKeys:
    return app.state.intake_keys


@pytest.fixture
def signed_in(app: Any) -> Iterator[Callable[[str], TestClient]]:
    """signed_in(username): a fresh client (own cookies) signed in as that user."""
    opened: list[TestClient] = []

    def factory(username: str) -> TestClient:
        client = TestClient(app, base_url=BASE_URL, follow_redirects=False)
        client.__enter__()
        opened.append(client)
        login(client, username)
        return client

    yield factory
    for client in opened:
        client.__exit__(None, None, None)
