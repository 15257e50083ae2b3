"""The ID token checks of app.services.sso, one forged token each: signature, issuer, audience, expiry,
nonce, and the RFC 9207 ``iss`` of the answer. The keys and tokens are made here (joserfc); the provider's
discovery document and keys are handed to the client's cache as a fetch would leave them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from app.config import Settings, SsoProvider
from app.models import SsoLoginState, utcnow
from app.services.sso import SsoClients, SsoError, _Cached

ISSUER = "https://idp.example.org"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def _client() -> tuple[SsoClients, SsoProvider, _Cached]:
    provider = SsoProvider(name="idp", issuer=ISSUER, client_id="jaxtutor")
    clients = SsoClients(Settings(sso_providers=[provider], sso_clock_skew_s=30))
    public = KeySet.import_key_set({"keys": [KEY.as_dict(private=False)]})
    entry = _Cached(metadata={"issuer": ISSUER, "id_token_signing_alg_values_supported": ["RS256"]}, keys=public)
    return clients, provider, entry


def _token(key: RSAKey = KEY, **claims: Any) -> dict[str, Any]:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "42", "aud": "jaxtutor", "iat": now, "exp": now + 300, "nonce": "n1"} | claims
    body = {k: v for k, v in body.items() if v is not None}
    return {"id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, body, key)}


async def _check(tokens: dict[str, Any]) -> dict[str, Any]:
    clients, provider, entry = _client()
    return await clients._check_id_token(provider, entry, tokens, nonce="n1")


async def test_a_good_token_passes() -> None:
    claims = await _check(_token(email="a@example.org"))
    assert claims["sub"] == "42" and claims["email"] == "a@example.org"


def _expired() -> dict[str, Any]:
    return _token(exp=int(time.time()) - 120)


# Tokens are minted when the test runs, not at collection: a long run would otherwise expire them all.
@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (lambda: _token(OTHER_KEY), "invalid_token", "signature"),
        (lambda: _token(iss="https://evil.example"), "wrong_issuer", "evil.example"),
        (lambda: _token(aud="someone-else"), "invalid_token", "another client"),
        (_expired, "expired", "expired"),
        (lambda: _token(nonce="replayed"), "bad_state", "nonce"),
        (lambda: _token(nonce=None), "bad_state", "nonce"),
        (lambda: _token(exp=None), "invalid_token", "'exp'"),
        (lambda: {"id_token": "not.a.jwt"}, "invalid_token", "cannot be read"),
    ],
    ids=["signature", "issuer", "audience", "expired", "nonce", "no-nonce", "no-exp", "garbage"],
)
async def test_each_forgery_gets_its_kind(make: Callable[[], dict[str, Any]], kind: str, words: str) -> None:
    with pytest.raises(SsoError) as err:
        await _check(make())
    assert err.value.kind == kind and words in err.value.message


async def test_the_clock_skew_allowance_is_applied() -> None:
    await _check(_token(exp=int(time.time()) - 10))  # within sso_clock_skew_s = 30


async def test_an_answer_naming_another_issuer_is_refused_before_the_code_is_used() -> None:
    clients, provider, entry = _client()
    clients._cache[provider.name] = entry
    login = SsoLoginState(state_hash="h", provider="idp", nonce="n1", code_verifier="v", expires_at=utcnow())
    with pytest.raises(SsoError) as err:
        await clients.finish(provider=provider, login=login, code="c", iss="https://evil.example", redirect_uri="x")
    assert err.value.kind == "wrong_issuer" and "mix-up" in err.value.message
