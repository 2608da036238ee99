"""Shared fixtures: personas, organizations, and clients that authenticate with real bearer tokens."""

import base64

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_collectstatic():
    """Tests never run collectstatic: static files are found in the apps, as with DEBUG on.

    Production's manifest storage needs the collected files and their hashed names; the
    tests of static serving collect them themselves (tests/core/test_static_files.py).
    """
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2id or PBKDF2 at production strength would dominate the suite's run time. Client
    # secrets keep their own hasher, which is fast already.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "applications.hashers.ClientSecretHasher",
    ]


# Failed-authentication limits for tests that fail on purpose (races, hostile input) from the
# one test address: still on, but far above what such a test sends. The tests of the limits
# (tests/security/test_auth_throttling*.py) set their own, small ones.
TEST_AUTH_FAILURE_LIMIT = 10_000


@pytest.fixture(autouse=True)
def _fresh_failure_counts(settings):
    """Each test starts with nothing counted against a limit, under generous failed-authentication limits.

    The counts (tokensvc/throttling.py, tokensvc/api/throttles.py) live in the cache, which
    outlives a test: without this, earlier tests' requests from the test client's one address
    would spend a later test's allowance. Only a process-local cache is cleared: a Redis named
    by REDIS_URL may hold more than this test's keys.
    """
    from django.core.cache import cache

    settings.AUTH_FAILURE_LIMIT_PER_USERNAME = TEST_AUTH_FAILURE_LIMIT
    settings.AUTH_FAILURE_LIMIT_PER_ADDRESS = TEST_AUTH_FAILURE_LIMIT
    if settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
        cache.clear()


@pytest.fixture
def org(db):
    return factories.organization("Default")


@pytest.fixture
def other_org(db):
    return factories.organization("Other")


@pytest.fixture
def superuser(db):
    return factories.user("root", is_superuser=True)


@pytest.fixture
def system_auditor(db):
    return factories.user("auditor", is_system_auditor=True)


@pytest.fixture
def org_admin(org):
    return factories.user("org_admin", admin_of=[org])


@pytest.fixture
def org_member(org):
    return factories.user("org_member", member_of=[org])


@pytest.fixture
def org_auditor(org):
    return factories.user("org_auditor", auditor_of=[org])


@pytest.fixture
def other_org_admin(other_org):
    return factories.user("other_admin", admin_of=[other_org])


@pytest.fixture
def plain_user(db):
    return factories.user("plain")


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def persona(request):
    """Resolve a persona name (as used in matrix tables) to its user, or None for anonymous."""

    def resolve(name):
        return request.getfixturevalue(name)

    return resolve


@pytest.fixture
def client_for(db):
    """`client_for(user, scope="write")`: an APIClient sending a real bearer PAT of `user`.

    `client_for(None)` is anonymous; `client_for(user, auth="basic")` uses HTTP Basic;
    `client_for(user, auth="session")` logs in a browser session; `client_for(user,
    organization=org)` sends a PAT bound to `org`.
    """

    def make(user, scope="write", auth="bearer", organization=None):
        client = APIClient()
        if user is None:
            return client
        if auth == "bearer":
            issued = factories.personal_token(user, scope=scope, organization=organization)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.value}")
            client.token = issued.token
            client.token_value = issued.value
        elif auth == "basic":
            raw = f"{user.username}:{factories.PASSWORD}".encode()
            client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(raw).decode())
        elif auth == "session":
            client.force_login(user)
        else:
            raise ValueError(auth)
        return client

    return make


@pytest.fixture
def admin_client(client_for, superuser):
    return client_for(superuser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, a test database in a file rather than in memory.

    An in-memory database is shared between threads through SQLite's shared cache, whose
    table locks fail at once ("database table is locked") instead of waiting; the tests that
    run requests from several threads need each thread to wait its turn as the service does.
    """
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture
def sso_browser(settings):
    """`sso_browser(user)`: a client signed in as the external `user` through the single-sign-on header.

    The header goes with every request, as the proxy sends it: a login made through it lasts
    only while the proxy vouches for the user and header login is on.
    """
    settings.SSO_REMOTE_USER_ENABLED = True
    settings.SSO_REMOTE_USER_HEADER = "X-Remote-User"
    settings.SSO_TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address
    settings.SSO_TRUST_ALL_PEERS = False

    def make(user, client_class=Client):
        settings.SSO_PROVIDER_NAME = user.external_account
        client = client_class()
        client.defaults["HTTP_X_REMOTE_USER"] = user.username
        return client

    return make
