"""A token is written under the settings in force when it is written, not those its request read first.

The create and renew paths check a chosen `expires` early, for a prompt answer naming the
field; a settings change may land between that check and the write. The services judge the
expiry again on the one settings snapshot they mint under (config/runtime.py `snapshot`).
"""

from datetime import datetime, timedelta

from django.utils import timezone

from config import runtime
from tests import factories
from tokens import serializers
from tokens.models import AccessToken

HOUR = 3600


def lower_the_maximum_after_validation(monkeypatch, seconds):
    """Make every token serializer's validation end with a settings change, as if another request made it."""
    validate = serializers.TokenSerializer.validate

    def validate_then_change(self, attrs):
        validated = validate(self, attrs)
        runtime.update({"PAT_MAX_LIFETIME_SECONDS": seconds, "PAT_DEFAULT_LIFETIME_SECONDS": None})
        return validated

    monkeypatch.setattr(serializers.TokenSerializer, "validate", validate_then_change)


def test_a_pat_whose_expiry_the_maximum_refuses_by_the_time_it_is_written_is_a_400(client_for, org_member, monkeypatch):
    client = client_for(org_member)
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 8 * HOUR})
    lower_the_maximum_after_validation(monkeypatch, 2 * HOUR)
    before = AccessToken.objects.count()
    expires = timezone.now() + timedelta(hours=6)

    response = client.post("/api/v2/tokens/", {"description": "late", "expires": expires.isoformat()}, format="json")

    assert response.status_code == 400, response.content
    assert "at most 7200 seconds" in response.json()["expires"][0]
    assert AccessToken.objects.count() == before


def test_a_renewal_the_maximum_refuses_by_the_time_it_is_written_is_a_400(client_for, org_member, monkeypatch):
    client = client_for(org_member)
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 8 * HOUR})
    target = factories.personal_token(org_member, expires=timezone.now() + timedelta(hours=1)).token
    lower_the_maximum_after_validation(monkeypatch, 2 * HOUR)

    renewed = timezone.now() + timedelta(hours=6)
    response = client.patch(f"/api/v2/tokens/{target.pk}/", {"expires": renewed.isoformat()}, format="json")

    assert response.status_code == 400, response.content
    assert "at most 7200 seconds" in response.json()["expires"][0]
    target.refresh_from_db()
    assert target.expires < timezone.now() + timedelta(hours=2)


def test_a_default_lifetime_never_exceeds_the_maximum_read_with_it(client_for, org_member):
    client = client_for(org_member)
    runtime.update({"PAT_MAX_LIFETIME_SECONDS": 2 * HOUR, "PAT_DEFAULT_LIFETIME_SECONDS": HOUR})
    created = client.post("/api/v2/tokens/", {"description": "default"}, format="json").json()
    lifetime = datetime.fromisoformat(created["expires"]) - datetime.fromisoformat(created["created"])
    assert abs(lifetime.total_seconds() - HOUR) < 60
