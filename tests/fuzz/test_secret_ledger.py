"""The fuzzing run's secret check: a secret may show in the answer that creates it, and in no other."""

import json
from types import SimpleNamespace

from tests.support.fuzzing import MASK, SecretLedger, secrets_in
from tokensvc import tokenformat


def answer(body: str, headers=None, status=200):
    return SimpleNamespace(content=body.encode(), headers=headers or {}, status_code=status)


def test_values_and_client_secrets_are_recognised_and_masks_and_lookalikes_are_not():
    value = tokenformat.generate(tokenformat.PERSONAL)
    lookalike = "tsp_" + "A" * 38  # the shape, with a wrong checksum
    body = json.dumps({"token": value, "other": lookalike, "client_secret": "s3cr3t", "x": {"client_secret": MASK}})
    assert secrets_in(answer(body)) == {value, "s3cr3t"}
    assert secrets_in(answer("{}", {"Location": f"/x?token={value}"})) == {value}


def test_a_secret_shown_again_is_a_leak_and_the_creating_answer_is_not():
    ledger = SecretLedger()
    value = tokenformat.generate(tokenformat.ACCESS)
    assert ledger.observe("POST /api/o/token/", answer(f'{{"access_token": "{value}"}}')) == []
    leaks = ledger.observe("GET /api/v2/tokens/", answer(f'{{"detail": "bad token {value}"}}', status=400))
    assert leaks == ["GET /api/v2/tokens/: 400 shows a secret created by POST /api/o/token/"]
    assert ledger.leaks == leaks


def test_a_secret_known_before_the_run_is_a_leak_at_its_first_showing():
    ledger = SecretLedger()
    value = tokenformat.generate(tokenformat.REFRESH)
    ledger.known(value, "the seed")
    assert ledger.observe("GET /api/v2/me/", answer("{}", {"X-Echo": value}))
