"""With DEBUG off, WhiteNoise serves the browsable API's static files: found in the apps, or collected."""

import re

from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from tokensvc import settings as project_settings

STYLESHEET = re.compile(r'<link[^>]+href="(/static/[^"]+\.css)"')


def stylesheets(client: Client) -> list[str]:
    page = client.get("/api/v2/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    found = STYLESHEET.findall(page.content.decode())
    assert found, "the browsable API links no stylesheet"
    return found


def test_the_browsable_api_css_loads_with_debug_off(db):
    assert settings.DEBUG is False
    client = Client()

    for href in stylesheets(client):
        response = client.get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith("text/css")


def test_collected_files_are_served_under_hashed_names_and_cached_for_good(db, tmp_path):
    """Production: collectstatic into STATIC_ROOT, content-hashed names, compressed copies."""
    assert (
        project_settings.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    with override_settings(
        STORAGES=project_settings.STORAGES,
        STATIC_ROOT=tmp_path,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        client = Client()
        hrefs = stylesheets(client)
        assert all(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in hrefs), hrefs

        for href in hrefs:
            response = client.get(href, HTTP_ACCEPT_ENCODING="gzip")
            assert response.status_code == 200, href
            assert response["Content-Type"].startswith("text/css")
            assert response["Content-Encoding"] == "gzip"
            assert "immutable" in response["Cache-Control"]
