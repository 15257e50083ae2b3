"""A learning platform (LMS) played by the test suite, served over real HTTP on loopback in a thread.

It does what Canvas or Moodle do for an LTI 1.3 tool, with its own RSA key:

- ``GET /jwks``: its public key set;
- ``GET /auth``: the OIDC authorization endpoint of the launch. It checks the tool's login redirect
  (response type, mode, client id, redirect URI, state, nonce, login hint) and answers with the form that
  posts a signed id_token and the state back to the tool, as the platform's page does in a browser. What the
  token says is what the test prepared for that login hint (``prepare``), and ``tamper`` can make the next
  one expired, forged (signed by another key), or issued to another client;
- ``POST /token``: OAuth2 client credentials with a JWT client assertion, checked against the tool's
  published keys (``tool_jwks``), as the LMS does before it serves the tool's AGS and NRPS calls;
- ``POST /lineitems/<id>/scores``: AGS scores, recorded with their bearer token checked. ``fail_scores``
  makes the next N answer 503 (the LMS down), ``down`` makes all of them fail until cleared;
- ``GET /memberships``: the NRPS roster (``members``);
- ``GET /course``: a course page that frames ``course_frame_src`` (the tool's login initiation), as an LMS
  shows an LTI link in an iframe.

``verify_deep_link`` checks a tool's LtiDeepLinkingResponse with the tool's keys, as the LMS would.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass
class ScoreReceived:
    lineitem: str
    body: dict[str, Any]
    token: str


@dataclass
class TestPlatform:
    __test__ = False  # not a pytest class

    client_id: str = "jaxtutor-tool-1"
    deployment_id: str = "deployment-1"
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))
    tool_jwks: dict[str, Any] | None = None
    prepared: dict[str, dict[str, Any]] = field(default_factory=dict)
    tamper: str | None = None  # "expired" | "forged" | "wrong_aud", for the next id_token only
    auth_requests: list[dict[str, str]] = field(default_factory=list)
    scores: list[ScoreReceived] = field(default_factory=list)
    score_failures: int = 0
    fail_scores: int = 0
    down: bool = False
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> scopes
    members: list[dict[str, Any]] = field(default_factory=list)
    course_frame_src: str = ""  # GET /course: a course page that frames this URL (the tool's login initiation)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    # --- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> TestPlatform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                platform._handle(self, "GET")

            def do_POST(self) -> None:
                platform._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="test-lms").start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> dict[str, str]:
        """What an admin registers for this platform (``jaxtutor lti add-platform``)."""
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_id": self.deployment_id,
            "auth_login_url": f"{self.url}/auth",
            "token_url": f"{self.url}/token",
            "jwks_url": f"{self.url}/jwks",
        }

    def public_jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        public.update({"kid": self.key.thumbprint(), "alg": "RS256", "use": "sig"})
        return {"keys": [public]}

    # --- launches ------------------------------------------------------------------------------------
    def prepare(
        self,
        login_hint: str,
        *,
        roles: list[str] = LEARNER,
        lesson: str | None = "demo-add",
        context_id: str = "course-101",
        resource_link_id: str = "link-1",
        lineitem: str | None = "/lineitems/1",
        message_type: str = "LtiResourceLinkRequest",
        name: str = "Ada Lovelace",
        deep_link_return_url: str | None = None,
    ) -> None:
        """The claims of the launch that the login hint ``login_hint`` (the platform's user id) will get."""
        claims: dict[str, Any] = {
            "sub": login_hint,
            "name": name,
            "email": f"{login_hint}@lms.example.edu",
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "roles": roles,
            CLAIM + "context": {"id": context_id, "title": "JAX 101", "label": "JAX101", "type": ["CourseOffering"]},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/memberships",
                "service_versions": ["2.0"],
            },
        }
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": resource_link_id, "title": "A lesson"}
            claims[CLAIM + "target_link_uri"] = "https://testserver/lti/launch"
            if lesson is not None:
                claims[CLAIM + "custom"] = {"lesson": lesson}
            if lineitem is not None:
                claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                    "scope": [SCORE_SCOPE, LINEITEM_SCOPE],
                    "lineitem": self.url + lineitem,
                    "lineitems": self.url + "/lineitems",
                }
        else:
            claims[CLAIM + "target_link_uri"] = "https://testserver/lti/launch"
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": deep_link_return_url or f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": "opaque-platform-data",
            }
        self.prepared[login_hint] = claims

    def id_token(self, claims: dict[str, Any], *, nonce: str, tamper: str | None = None) -> str:
        now = int(time.time())
        body = dict(claims) | {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce}
        key = self.key
        if tamper == "expired":
            body |= {"iat": now - 3600, "exp": now - 1800}
        elif tamper == "wrong_aud":
            body["aud"] = "some-other-tool"
        elif tamper == "forged":
            key = RSAKey.generate_key(2048)  # another key, presented under the platform's kid
        return jwt.encode({"alg": "RS256", "kid": self.key.thumbprint()}, body, key)

    def verify_deep_link(self, token: str) -> dict[str, Any]:
        assert self.tool_jwks is not None, "the test hands the tool's JWKS to the platform"
        decoded = jwt.decode(token, KeySet.import_key_set(self.tool_jwks))  # type: ignore[arg-type]
        claims = dict(decoded.claims)
        assert claims["iss"] == self.client_id and claims["aud"] in (self.issuer, [self.issuer])
        assert claims["exp"] > time.time() and claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
        assert claims[CLAIM + "deployment_id"] == self.deployment_id
        return claims

    # --- HTTP ----------------------------------------------------------------------------------------
    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, kind: str = "application/json") -> None:
        data = (json.dumps(body) if kind.endswith("json") else str(body)).encode()
        h.send_response(status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            if method == "GET" and parts.path == "/jwks":
                return self._send(h, 200, self.public_jwks())
            if method == "GET" and parts.path == "/course":
                page = (
                    "<!doctype html><title>JAX 101 - LMS</title><h1>JAX 101</h1>"
                    f'<iframe id="tool" title="jaxtutor" width="1200" height="800" '
                    f'src="{html.escape(self.course_frame_src)}"></iframe>'
                )
                return self._send(h, 200, page, "text/html; charset=utf-8")
            if method == "GET" and parts.path == "/auth":
                return self._auth(h, query)
            if method == "POST" and parts.path == "/token":
                return self._token(h, {k: v[0] for k, v in parse_qs(raw.decode()).items()})
            match = re.fullmatch(r"/lineitems/(\w+)/scores", parts.path)
            if method == "POST" and match:
                return self._score(h, self.url + f"/lineitems/{match.group(1)}", raw)
            if method == "GET" and parts.path == "/memberships":
                if self._bearer(h) is None:
                    return self._send(h, 401, {"error": "no token"})
                return self._send(
                    h,
                    200,
                    {"id": self.url + "/memberships", "context": {"id": "course-101"}, "members": self.members},
                    "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                )
            return self._send(h, 404, {"error": "not found"})
        except AssertionError as exc:
            return self._send(h, 400, {"error": f"platform refused: {exc}"})

    def _auth(self, h: BaseHTTPRequestHandler, q: dict[str, str]) -> None:
        with self.lock:
            self.auth_requests.append(q)
            tamper, self.tamper = self.tamper, None
        assert q.get("response_type") == "id_token" and q.get("response_mode") == "form_post", q
        assert q.get("scope") == "openid" and q.get("prompt") == "none", q
        assert q.get("client_id") == self.client_id, q
        assert q.get("redirect_uri", "").endswith("/lti/launch"), q
        assert q.get("state") and q.get("nonce"), q
        claims = self.prepared.get(q.get("login_hint", ""))
        assert claims is not None, "unknown login_hint"
        token = self.id_token(claims, nonce=q["nonce"], tamper=tamper)
        page = (
            "<!doctype html><title>LMS</title><body>"
            f'<form id="launch" method="post" action="{html.escape(q["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{html.escape(token)}">'
            f'<input type="hidden" name="state" value="{html.escape(q["state"])}">'
            "<button>Launch</button></form>"
            "<script>document.getElementById('launch').submit()</script></body>"
        )
        self._send(h, 200, page, "text/html; charset=utf-8")

    def _token(self, h: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        assert form.get("grant_type") == "client_credentials", form
        assert form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        assert self.tool_jwks is not None, "the test hands the tool's JWKS to the platform"
        try:
            assertion = jwt.decode(form["client_assertion"], KeySet.import_key_set(self.tool_jwks))  # type: ignore[arg-type]
        except Exception as exc:
            return self._send(h, 401, {"error": "invalid_client", "error_description": str(exc)})
        c = assertion.claims
        assert c["iss"] == c["sub"] == self.client_id and c["aud"] == f"{self.url}/token", c
        assert c["exp"] > time.time(), "expired client assertion"
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.tokens[token] = form.get("scope", "")
        self._send(
            h, 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": form.get("scope")}
        )

    def _bearer(self, h: BaseHTTPRequestHandler) -> str | None:
        auth = h.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        return token if token in self.tokens else None

    def _score(self, h: BaseHTTPRequestHandler, lineitem: str, raw: bytes) -> None:
        token = self._bearer(h)
        if token is None or SCORE_SCOPE not in self.tokens[token].split():
            return self._send(h, 401, {"error": "token without the score scope"})
        assert h.headers.get("Content-Type") == "application/vnd.ims.lis.v1.score+json", h.headers
        with self.lock:
            if self.down or self.fail_scores > 0:
                self.fail_scores = max(0, self.fail_scores - 1)
                self.score_failures += 1
                return self._send(h, 503, {"error": "maintenance"})
            body = json.loads(raw)
            self.scores.append(ScoreReceived(lineitem, body, token))
        self._send(h, 200, {})
