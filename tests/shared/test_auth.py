"""Bearer tokens (HS256 from a shared secret, RS256 from a JWKS) and the caller's scope."""

import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from sqlalchemy import column, select, table, text

from shared.auth import CurrentPrincipal, Principal, TokenVerifier, mint_token
from shared.errors import Forbidden, Unauthorized, install_error_handlers
from shared.settings import KessosSettings

SECRET = "auth-test-secret-" + "s" * 40


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier(KessosSettings(jwt_secret=SECRET))


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "officer-1",
        "roles": ["regency_officer"],
        "regions": ["63.71"],
        "institutions": [],
        "scope": "",
        "iat": now,
        "exp": now + 600,
        "iss": "kessos",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


# --- HS256 ---------------------------------------------------------------------------------------


def test_valid_token_gives_the_principal(verifier: TokenVerifier) -> None:
    token = mint_token(
        SECRET,
        sub="officer-7",
        roles=["regency_officer", "field_officer"],
        regions=["63.71", "63.03"],
        institutions=["0b5e6f1a-8d7c-4b7e-9a51-3f1e0e6c9d01"],
        scopes=["pii:read", "other:thing"],
    )
    principal = verifier.verify(token)
    assert principal == Principal(
        sub="officer-7",
        roles=frozenset({"regency_officer", "field_officer"}),
        regions=("63.71", "63.03"),
        institutions=("0b5e6f1a-8d7c-4b7e-9a51-3f1e0e6c9d01",),
        scopes=frozenset({"pii:read", "other:thing"}),
    )
    assert principal.can_read_pii and not principal.unscoped


def test_expired_token_is_unauthorized(verifier: TokenVerifier) -> None:
    token = mint_token(SECRET, sub="x", roles=["viewer"], ttl_seconds=-60)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_verified_token_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(KessosSettings(jwt_secret=SECRET))
    now = time.time()
    token = hs256(claims(sub="officer-9", exp=int(now) + 30))
    assert verifier.remembered(token) is None  # never verified: nothing to remember
    principal = verifier.verify(token)
    assert verifier.remembered(token) == principal
    assert verifier.remembered(hs256(claims(sub="officer-9", exp=int(now) + 31))) is None
    monkeypatch.setattr(time, "time", lambda: now + 31)  # past the token's expiry
    assert verifier.remembered(token) is None  # so it is verified again, and refused as expired


def test_a_verified_token_is_remembered_for_a_minute_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(KessosSettings(jwt_secret=SECRET))
    now = time.time()
    token = hs256(claims(exp=int(now) + 3600))
    principal = verifier.verify(token)
    monkeypatch.setattr(time, "time", lambda: now + 59)
    assert verifier.remembered(token) == principal
    monkeypatch.setattr(time, "time", lambda: now + 61)  # checked again, not trusted from memory
    assert verifier.remembered(token) is None


def test_token_signed_with_another_secret_is_unauthorized(verifier: TokenVerifier) -> None:
    token = mint_token("another-secret-" + "y" * 40, sub="x", roles=["admin"])
    with pytest.raises(Unauthorized):
        verifier.verify(token)


@pytest.mark.parametrize("missing", ["sub", "exp"])
def test_token_missing_sub_or_exp_is_unauthorized(verifier: TokenVerifier, missing: str) -> None:
    with pytest.raises(Unauthorized, match=missing):
        verifier.verify(hs256(claims(**{missing: None})))


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_is_unauthorized(verifier: TokenVerifier, garbage: str) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(garbage)


def test_unsigned_alg_none_token_is_unauthorized(verifier: TokenVerifier) -> None:
    token = jwt.encode(claims(roles=["admin"]), key=None, algorithm="none")
    with pytest.raises(Unauthorized):
        verifier.verify(token)


def test_roles_must_be_a_list_of_strings(verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthorized, match="roles"):
        verifier.verify(hs256(claims(roles="admin")))
    with pytest.raises(Unauthorized, match="roles"):
        verifier.verify(hs256(claims(roles=["admin", 7])))


def test_unknown_roles_are_dropped(verifier: TokenVerifier) -> None:
    principal = verifier.verify(hs256(claims(roles=["superuser", "viewer", "ADMIN"])))
    assert principal.roles == frozenset({"viewer"})
    assert not principal.unscoped
    nothing = verifier.verify(hs256(claims(roles=["root"])))
    assert nothing.roles == frozenset()


def test_missing_optional_claims_give_empty_scope(verifier: TokenVerifier) -> None:
    principal = verifier.verify(hs256(claims(regions=None, institutions=None, scope=None, roles=None)))
    assert principal.roles == frozenset() and principal.regions == () and principal.institutions == ()
    assert principal.scopes == frozenset() and not principal.can_read_pii


def test_audience_is_checked_when_configured() -> None:
    strict = TokenVerifier(KessosSettings(jwt_secret=SECRET, jwt_audience="kessos-api"))
    good = mint_token(SECRET, sub="x", roles=["viewer"], audience="kessos-api")
    assert strict.verify(good).sub == "x"
    with pytest.raises(Unauthorized):
        strict.verify(mint_token(SECRET, sub="x", roles=["viewer"], audience="someone-else"))
    with pytest.raises(Unauthorized):
        strict.verify(mint_token(SECRET, sub="x", roles=["viewer"]))  # no aud at all


def test_token_from_another_issuer_is_unauthorized(verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(mint_token(SECRET, sub="x", roles=["admin"], issuer="not-kessos"))


# --- Principal -----------------------------------------------------------------------------------


def principal(*roles: str, regions: tuple[str, ...] = (), scopes: tuple[str, ...] = ()) -> Principal:
    return Principal(sub="t", roles=frozenset(roles), regions=regions, scopes=frozenset(scopes))


def test_pii_needs_the_scope_unless_unscoped() -> None:
    assert principal("viewer", scopes=("pii:read",)).can_read_pii
    assert not principal("viewer").can_read_pii
    assert not principal("provincial_officer", scopes=("pii:write", "read")).can_read_pii
    assert principal("admin").can_read_pii and principal("admin").unscoped
    assert principal("service").can_read_pii and principal("service").unscoped


def test_roles_and_require() -> None:
    officer = principal("field_officer")
    assert officer.has_any("viewer", "field_officer") and not officer.has_any("viewer")
    officer.require("field_officer")
    with pytest.raises(Forbidden, match="viewer"):
        officer.require("viewer")
    principal("admin").require("institution_operator")  # unscoped roles pass every check


@pytest.mark.parametrize(
    ("code", "covered"),
    [
        ("63.71", True),
        ("63.71.01", True),
        ("63.71.01.1001", True),
        ("63.710", False),
        ("63.7", False),
        ("63", False),
        ("63.03", False),
        ("63.03.71", False),
        ("64.71", False),
        ("", False),
        (None, False),
    ],
)
def test_covers_region_by_dotted_prefix(code: str | None, covered: bool) -> None:
    assert principal("regency_officer", regions=("63.71",)).covers_region(code) is covered


def test_empty_regions_cover_nothing_and_unscoped_covers_everything() -> None:
    nobody = principal("regency_officer")
    assert not any(nobody.covers_region(c) for c in ("63", "63.71", "63.71.01.1001"))
    assert principal("admin").covers_region("11.01") and principal("service").covers_region(None)
    several = principal("regency_officer", regions=("63.71", "64"))
    assert several.covers_region("64.01.02") and several.covers_region("63.71.02")
    assert not several.covers_region("63.03.02")


def test_covers_institution() -> None:
    operator = Principal(sub="t", roles=frozenset({"institution_operator"}), institutions=("inst-1",))
    assert operator.covers_institution("inst-1") and not operator.covers_institution("inst-2")
    assert principal("admin").covers_institution("anything")


CODES = [
    "63",
    "63.7",
    "63.71",
    "63.710",
    "63.71.01",
    "63.71.01.1001",
    "63.71x01",
    "63.03",
    "63.03.71",
    "64.71",
    "6371",
    None,
]


@pytest.mark.parametrize(
    ("regions", "roles", "expected"),
    [
        (("63.71",), ("regency_officer",), {"63.71", "63.71.01", "63.71.01.1001"}),
        (
            ("63",),
            ("provincial_officer",),
            {"63", "63.7", "63.71", "63.710", "63.71.01", "63.71.01.1001", "63.71x01", "63.03", "63.03.71"},
        ),
        (
            ("63.71", "63.03"),
            ("regency_officer",),
            {"63.71", "63.71.01", "63.71.01.1001", "63.03", "63.03.71"},
        ),
        ((), ("regency_officer",), set()),
        # LIKE wildcards in a claim are literal characters, not patterns.
        (("63_71",), ("regency_officer",), set()),
        (("63%",), ("regency_officer",), set()),
        (("%",), ("regency_officer",), set()),
        ((), ("admin",), {c for c in CODES if c is not None} | {None}),
    ],
)
async def test_region_filter_in_postgresql(
    engine: Any, regions: tuple[str, ...], roles: tuple[str, ...], expected: set[str | None]
) -> None:
    p = principal(*roles, regions=regions)
    codes = table("t_region_filter", column("code"))
    async with engine.connect() as conn:
        await conn.execute(text("CREATE TEMP TABLE t_region_filter (code text)"))
        try:
            for code in CODES:
                await conn.execute(text("INSERT INTO t_region_filter VALUES (:c)"), {"c": code})
            rows = (await conn.execute(select(codes.c.code).where(p.region_filter(codes.c.code)))).scalars()
            got = set(rows)
        finally:
            await conn.rollback()
    assert got == expected
    # The SQL filter and the in-memory check agree on every code.
    assert got == {c for c in CODES if p.covers_region(c)}


# --- the FastAPI dependency ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.token_verifier = TokenVerifier(KessosSettings(jwt_secret=SECRET))

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"sub": principal.sub, "roles": sorted(principal.roles)}

    return app


async def test_current_principal_dependency(guarded_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=guarded_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        anonymous = await client.get("/me")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        basic = await client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert basic.status_code == 401
        forged = await client.get("/me", headers={"Authorization": "Bearer " + hs256(claims(), "wrong" * 10)})
        assert forged.status_code == 401
        no_role = await client.get(
            "/me", headers={"Authorization": "Bearer " + hs256(claims(roles=["root"]))}
        )
        assert no_role.status_code == 403
        ok = await client.get("/me", headers={"Authorization": "Bearer " + hs256(claims(roles=["viewer"]))})
        assert ok.status_code == 200 and ok.json() == {"sub": "officer-1", "roles": ["viewer"]}


# --- RS256 against a JWKS ------------------------------------------------------------------------


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Jwks:
    def __init__(self) -> None:
        self.kid = secrets.token_hex(8)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.document = json.dumps(
            {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        ).encode()
        self.requests = 0

    def sign(
        self, payload: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None
    ) -> str:
        return jwt.encode(
            payload, _private_pem(key or self.key), algorithm="RS256", headers={"kid": kid or self.kid}
        )


@pytest.fixture(scope="module")
def jwks() -> Iterator[tuple[Jwks, str]]:
    keys = Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            keys.requests += 1
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(keys.document)))
            self.end_headers()
            self.wfile.write(keys.document)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield keys, f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def rs_verifier(jwks: tuple[Jwks, str]) -> TokenVerifier:
    return TokenVerifier(KessosSettings(jwt_jwks_url=jwks[1], jwt_audience="kessos-api"))


def test_rs256_token_signed_by_the_jwks_key_passes(
    jwks: tuple[Jwks, str], rs_verifier: TokenVerifier
) -> None:
    keys, _ = jwks
    before = keys.requests
    token = keys.sign(
        claims(aud="kessos-api", roles=["provincial_officer"], regions=["63"], scope="pii:read")
    )
    principal = rs_verifier.verify(token)
    assert principal.sub == "officer-1"
    assert principal.roles == frozenset({"provincial_officer"}) and principal.regions == ("63",)
    assert principal.can_read_pii
    assert keys.requests >= before  # the key came from the local JWKS (possibly cached)
    assert keys.requests >= 1


def test_rs256_wrong_audience_fails(jwks: tuple[Jwks, str], rs_verifier: TokenVerifier) -> None:
    keys, _ = jwks
    with pytest.raises(Unauthorized, match=r"(?i)audience"):
        rs_verifier.verify(keys.sign(claims(aud="another-api")))
    with pytest.raises(Unauthorized):
        rs_verifier.verify(keys.sign(claims()))  # no aud claim


def test_rs256_token_signed_by_another_key_fails(jwks: tuple[Jwks, str], rs_verifier: TokenVerifier) -> None:
    keys, _ = jwks
    intruder = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized):
        rs_verifier.verify(keys.sign(claims(aud="kessos-api"), key=intruder))  # claims the real kid
    with pytest.raises(Unauthorized):
        rs_verifier.verify(keys.sign(claims(aud="kessos-api"), key=intruder, kid="unknown-kid"))


def test_rs256_expired_token_fails(jwks: tuple[Jwks, str], rs_verifier: TokenVerifier) -> None:
    keys, _ = jwks
    with pytest.raises(Unauthorized, match="expired"):
        rs_verifier.verify(keys.sign(claims(aud="kessos-api", exp=int(time.time()) - 60)))


def test_jwks_verifier_refuses_hs256_tokens(jwks: tuple[Jwks, str], rs_verifier: TokenVerifier) -> None:
    keys, _ = jwks
    token = jwt.encode(claims(aud="kessos-api"), SECRET, algorithm="HS256", headers={"kid": keys.kid})
    with pytest.raises(Unauthorized):
        rs_verifier.verify(token)


def test_jwks_unreachable_is_unauthorized() -> None:
    from shared.embedded import free_port

    keys = Jwks()
    down = TokenVerifier(
        KessosSettings(jwt_jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json", jwt_audience="kessos-api")
    )
    with pytest.raises(Unauthorized):
        down.verify(keys.sign(claims(aud="kessos-api")))


def test_require_exactly_admits_only_the_named_role() -> None:
    principal("service").require_exactly("service")
    principal("service", "viewer").require_exactly("service")
    for roles in (("admin",), ("provincial_officer",), ()):
        with pytest.raises(Forbidden, match="service"):
            principal(*roles).require_exactly("service")


# --- a JWKS for people, the shared secret for the worker's service tokens ------------------------


@pytest.fixture(scope="module")
def mixed_verifier(jwks: tuple[Jwks, str]) -> TokenVerifier:
    return TokenVerifier(KessosSettings(jwt_jwks_url=jwks[1], jwt_secret=SECRET, jwt_audience="kessos-api"))


def test_with_a_jwks_the_shared_secret_signs_service_tokens_only(
    jwks: tuple[Jwks, str], mixed_verifier: TokenVerifier
) -> None:
    service = mint_token(SECRET, sub="kessos-worker", roles=["service"], audience="kessos-api")
    assert mixed_verifier.verify(service).roles == frozenset({"service"})
    for roles in (["admin"], ["service", "admin"], ["viewer"], []):
        forged = mint_token(SECRET, sub="someone", roles=roles, audience="kessos-api")
        with pytest.raises(Unauthorized):
            mixed_verifier.verify(forged)
    with pytest.raises(Unauthorized):  # the audience still applies
        mixed_verifier.verify(mint_token(SECRET, sub="kessos-worker", roles=["service"]))
    keys, _ = jwks
    people = keys.sign(claims(aud="kessos-api", roles=["admin"]))
    assert mixed_verifier.verify(people).roles == frozenset({"admin"})


def test_with_a_jwks_and_no_secret_no_hs256_token_passes(rs_verifier: TokenVerifier) -> None:
    service = mint_token(SECRET, sub="kessos-worker", roles=["service"], audience="kessos-api")
    with pytest.raises(Unauthorized):
        rs_verifier.verify(service)


def test_production_with_a_jwks_refuses_a_short_shared_secret() -> None:
    with pytest.raises(ValueError, match="JWT_SECRET"):
        KessosSettings(
            environment="production",
            database_url="postgresql://db/kessos",
            redis_url="redis://redis:6379/0",
            jwt_jwks_url="https://idp.example/jwks.json",
            jwt_secret="short-" + "x" * 3,
        )
