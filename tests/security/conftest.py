"""Fixtures of the walks over every route: the rows a route may name, and a superuser's token."""

import pytest

from tests import factories
from tests.support.routes import route_world


@pytest.fixture
def world(db, superuser, org):
    return route_world(superuser, org)


@pytest.fixture
def bearer(world):
    issued = factories.personal_token(world["superuser"])
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.value}"}
