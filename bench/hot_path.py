"""Measure the authenticated hot path: Bearer GET /api/v2/me/ against anonymous GET /api/v2/ping/.

Runs in-process through Django's test client, so it measures the application (middleware,
authentication, access layer, serializer, database) and not a web server. Without
DATABASE_URL it uses a temporary SQLite file that it creates, migrates and deletes; with
DATABASE_URL it creates and drops a separate test_<name> database next to the given one.

    .venv/bin/python bench/hot_path.py [--seconds 2] [--tokens 200] [--profile PATH]

With --profile, the timed requests of /api/v2/me/ also run under pyinstrument
(requirements-dev.txt), whose call tree is written to PATH as text.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def configure_environment() -> str | None:
    """Point Django at a throwaway database; returns the temporary directory to remove."""
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokensvc.settings")
    # A fixed key is fine here: nothing signed in this process outlives it.
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DEBUG", "false")
    if os.environ.get("DATABASE_URL"):
        return None
    workdir = tempfile.mkdtemp(prefix="tokensvc-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    return workdir


def prepare_database(use_test_database: bool) -> str | None:
    from django.core.management import call_command
    from django.db import connection

    if use_test_database:
        # Never touch the configured database itself: work in test_<name>.
        return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    call_command("migrate", verbosity=0, interactive=False)
    return None


def seed(extra_tokens: int) -> str:
    """A member of an organization with a PAT, among other users' tokens; returns the PAT value."""
    from django.db import transaction

    from tokens.services import token_issue
    from users.models import Membership, Organization, User
    from users.roles import Role

    with transaction.atomic():
        org = Organization.objects.create(name="Bench")
        owner = User.objects.create_user("bench", email="bench@example.com")
        Membership.objects.create(user=owner, organization=org, role=Role.MEMBER)
        others = [User.objects.create_user(f"other{i}") for i in range(10)]
        for i in range(extra_tokens):
            token_issue(actor=None, user=others[i % len(others)], description=f"filler {i}")
        value = token_issue(actor=None, user=owner, description="bench").value
    return value


def measure(client, path: str, seconds: float, profile: str | None = None, **headers) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(50):
        # Warm-up also takes the one last_used write out of the measured steady state.
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.content[:200]!r}")

    # Counting queries forces a debug cursor, so it is kept apart from the timing.
    sample = 20
    with CaptureQueriesContext(connection) as captured:
        for _ in range(sample):
            client.get(path, **headers)
    queries = len(captured.captured_queries) / sample

    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        client.get(path, **headers)
        count += 1
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(show_all=False))
    return {"path": path, "requests": count, "rps": count / elapsed, "ms": 1000 * elapsed / count, "queries": queries}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timed duration per endpoint (default 2)")
    parser.add_argument("--tokens", type=int, default=200, help="other users' tokens in the table (default 200)")
    parser.add_argument("--profile", metavar="PATH", help="write a pyinstrument call tree of GET /api/v2/me/ here")
    args = parser.parse_args()

    workdir = configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    old_name = connection.settings_dict["NAME"]
    test_name = None
    try:
        test_name = prepare_database(use_test_database=workdir is None)
        value = seed(args.tokens)
        client = Client()
        ping = measure(client, "/api/v2/ping/", args.seconds)
        me = measure(client, "/api/v2/me/", args.seconds, args.profile, HTTP_AUTHORIZATION=f"Bearer {value}")
    finally:
        if test_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        connection.close()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"database: {connection.vendor}, {args.tokens + 1} tokens, {args.seconds:g}s per endpoint")
    print(f"{'request':<36} {'requests':>9} {'req/s':>9} {'ms/req':>8} {'queries/req':>12}")
    for label, row in (("GET /api/v2/ping/ (anonymous)", ping), ("GET /api/v2/me/ (Bearer PAT)", me)):
        print(f"{label:<36} {row['requests']:>9} {row['rps']:>9.0f} {row['ms']:>8.2f} {row['queries']:>12.1f}")
    print(f"ratio: /me/ with a Bearer token costs {ping['rps'] / me['rps']:.2f}x an anonymous /ping/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
