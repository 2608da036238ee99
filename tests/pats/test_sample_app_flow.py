"""The seed's sample-app flow against a live server: register an app, sign in with PKCE, then manage PATs over HTTP."""

import requests

from applications.models import Application
from tests import factories
from tests.support.oauth import CALLBACK, give_consent, pkce_pair, query_of, signed_in


def test_the_sample_app_manages_pats_with_a_user_token(live_server, org):
    admin = factories.user("admin", admin_of=[org])
    member = factories.user("alice", member_of=[org])
    base = live_server.url

    # The organization's admin registers a confidential authorization-code application.
    registered = requests.post(
        f"{base}/api/v2/applications/",
        json={
            "name": "PAT manager",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": CALLBACK,
            "organization": org.pk,
        },
        auth=(admin.username, factories.PASSWORD),
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    client_id, client_secret = registered.json()["client_id"], registered.json()["client_secret"]

    # The user signs in and consents in a browser; the app trades the code and its PKCE verifier.
    verifier, challenge = pkce_pair()
    consent = give_consent(signed_in(member), Application.objects.get(client_id=client_id), challenge)
    assert consent.status_code == 302, consent.content
    code = query_of(consent["Location"])["code"]
    exchanged = requests.post(
        f"{base}/api/o/token/",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier},
        auth=(client_id, client_secret),
        timeout=30,
    )
    assert exchanged.status_code == 200, exchanged.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {exchanged.json()['access_token']}"

    # The seed's ENDPOINT, with only the base URL changed.
    endpoint = f"{base}/{org.name}/_apis/Tokens/Pats?api-version=6.1-preview"

    def call(method, query="", **kwargs):
        return session.request(method, endpoint + query, timeout=30, **kwargs)

    listed = call("GET")
    assert listed.status_code == 200 and listed.json() == {"continuationToken": None, "patTokens": []}

    created = call(
        "POST", json={"displayName": "pipeline", "scope": "read", "validTo": "2031-01-01T00:00:00Z", "allOrgs": False}
    )
    assert created.status_code == 200, created.text
    pat = created.json()["patToken"]
    value, authorization_id = pat["token"], pat["authorizationId"]
    assert value and pat["targetAccounts"] == [str(org.uuid)]
    assert requests.get(f"{base}/api/v2/me/", headers={"Authorization": f"Bearer {value}"}, timeout=30).ok

    got = call("GET", f"&authorizationId={authorization_id}").json()["patToken"]
    assert got == {**pat, "token": None}

    renamed = call("PUT", json={"authorizationId": authorization_id, "displayName": "pipeline (prod)"}).json()
    assert renamed["patToken"]["displayName"] == "pipeline (prod)"
    renewed = call("PUT", json={"authorizationId": authorization_id, "validTo": "2032-01-01T00:00:00Z"}).json()
    assert renewed["patToken"]["validTo"] == "2032-01-01T00:00:00Z"
    rescoped = call("PUT", json={"authorizationId": authorization_id, "scope": "app_token"}).json()
    assert rescoped["patToken"]["scope"] == "write" and rescoped["patToken"]["token"] is None

    # Rotation as the seed's FAQ describes it: GET the metadata, POST a new PAT with it, DELETE the old.
    metadata = call("GET", f"&authorizationId={authorization_id}").json()["patToken"]
    rotated = call(
        "POST",
        json={
            "displayName": metadata["displayName"],
            "scope": metadata["scope"],
            "validTo": metadata["validTo"],
            "allOrgs": metadata["targetAccounts"] is None,
        },
    ).json()["patToken"]
    deleted = call("DELETE", f"&authorizationId={authorization_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    new_value = rotated["token"]
    assert (
        requests.get(f"{base}/api/v2/me/", headers={"Authorization": f"Bearer {value}"}, timeout=30).status_code == 401
    )
    assert requests.get(f"{base}/api/v2/me/", headers={"Authorization": f"Bearer {new_value}"}, timeout=30).ok
    active = call("GET").json()["patTokens"]
    assert [(item["authorizationId"], item["displayName"]) for item in active] == [
        (rotated["authorizationId"], "pipeline (prod)")
    ]

    # Revoke the new one too; both are then listed as revoked.
    assert call("DELETE", f"&authorizationId={rotated['authorizationId']}").status_code == 204
    revoked = call("GET", "&displayFilterOption=revoked&sortByOption=displayDate").json()["patTokens"]
    assert {item["authorizationId"] for item in revoked} == {authorization_id, rotated["authorizationId"]}

    # A PAT, and HTTP Basic, cannot manage PATs.
    fresh = factories.personal_token(member).value
    as_pat = requests.get(endpoint, headers={"Authorization": f"Bearer {fresh}"}, timeout=30)
    assert as_pat.status_code == 401
    assert "Personal access tokens cannot manage personal access tokens" in as_pat.json()["message"]
    as_live_pat = requests.post(
        endpoint, json={"displayName": "x"}, headers={"Authorization": f"Bearer {fresh}"}, timeout=30
    )
    assert as_live_pat.status_code == 401
    assert "Personal access tokens cannot manage personal access tokens" in as_live_pat.json()["message"]
    as_basic = requests.get(endpoint, auth=(member.username, factories.PASSWORD), timeout=30)
    assert as_basic.status_code == 401 and "HTTP Basic authentication is not accepted" in as_basic.json()["message"]
