"""Bearer-token authentication and the caller's scope (DESIGN.md "Security").

Claims: `sub`, `roles`, `regions` (region-code prefixes), `institutions`, `scope` (space separated,
e.g. `pii:read`). Development tokens are HS256 from a shared secret; production tokens are RS256
verified against the identity provider's JWKS.
"""

import functools
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute
from starlette.concurrency import run_in_threadpool

from shared.errors import Forbidden, Unauthorized
from shared.settings import KessosSettings

ROLES = (
    "admin",
    "provincial_officer",
    "regency_officer",
    "institution_operator",
    "field_officer",
    "viewer",
    "service",
)
UNSCOPED_ROLES = frozenset({"admin", "service"})
PII_READ = "pii:read"


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]
    regions: tuple[str, ...] = ()
    institutions: tuple[str, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def unscoped(self) -> bool:
        return bool(self.roles & UNSCOPED_ROLES)

    @property
    def can_read_pii(self) -> bool:
        return self.unscoped or PII_READ in self.scopes

    def has_any(self, *roles: str) -> bool:
        return self.unscoped or bool(self.roles & set(roles))

    def require_exactly(self, role: str) -> None:
        """For machine-only routes: no human role, not even admin, passes."""
        if role not in self.roles:
            raise Forbidden(f"this route is for the `{role}` role only")

    def require(self, *roles: str) -> None:
        if not self.has_any(*roles):
            raise Forbidden(f"this action needs one of the roles: {', '.join(roles)}")

    def covers_region(self, code: str | None) -> bool:
        if self.unscoped:
            return True
        if not code:
            return False
        return any(code == p or code.startswith(p + ".") for p in self.regions)

    def region_filter(self, column: InstrumentedAttribute[Any] | ColumnElement[Any]) -> ColumnElement[bool]:
        """A WHERE clause that keeps only rows whose region is inside the caller's prefixes.
        Scope is enforced in the query so that lists and counts never leak other regions."""
        if self.unscoped:
            return true()
        if not self.regions:
            return false()
        return _within(column, self.regions)

    @property
    def institution_ids(self) -> list[uuid.UUID]:
        """The institutions named in the token as UUIDs (a malformed entry names nothing)."""
        ids = []
        for value in self.institutions:
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue
        return ids

    def covers_institution(self, institution_id: uuid.UUID | str) -> bool:
        return self.unscoped or str(institution_id) in self.institutions


@functools.lru_cache(maxsize=4096)
def _within(column: Any, regions: tuple[str, ...]) -> ColumnElement[bool]:
    # Built once per column and set of regions: SQLAlchemy expressions are immutable, and building
    # this one on every request was a fifteenth of a NIK lookup.
    return or_(*[or_(column == p, column.startswith(p + ".", autoescape=True)) for p in regions])


def mint_token(
    secret: str,
    *,
    sub: str,
    roles: list[str],
    regions: list[str] | None = None,
    institutions: list[str] | None = None,
    scopes: list[str] | None = None,
    ttl_seconds: int = 12 * 3600,
    issuer: str = "kessos",
    audience: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "roles": roles,
        "regions": regions or [],
        "institutions": institutions or [],
        "scope": " ".join(scopes or []),
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": issuer,
    }
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenVerifier:
    """Users' tokens: RS256 from the identity provider's JWKS in production, HS256 from the shared
    secret in development. With a JWKS configured, an HS256 token signed with KESSOS_JWT_SECRET is
    still accepted for the `service` role alone: that is how the worker calls the services."""

    # A token verified once is trusted again for at most this long (never past its expiry): a phone
    # or the worker sends the same token hundreds of times, and checking it again each time was a
    # tenth of a NIK lookup. A JWKS key withdrawn by the identity provider stops working within it.
    REMEMBER_SECONDS = 60.0
    REMEMBER_AT_MOST = 10_000

    def __init__(self, settings: KessosSettings):
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        self._secret = settings.jwt_secret if self._jwks else settings.resolved_jwt_secret()
        self._verified: dict[str, tuple[Principal, float]] = {}

    def remembered(self, token: str) -> Principal | None:
        """The principal of a token verified in the last minute and not yet expired."""
        found = self._verified.get(token)
        if found is None or time.time() >= found[1]:
            return None
        return found[0]

    def _remember(self, token: str, principal: Principal, expires: float) -> None:
        if len(self._verified) >= self.REMEMBER_AT_MOST:
            self._verified.clear()  # rare, and cheap to refill
        self._verified[token] = (principal, min(expires, time.time() + self.REMEMBER_SECONDS))

    def may_fetch_keys(self, token: str) -> bool:
        """Could verifying this token fetch the JWKS (blocking I/O)?"""
        if self._jwks is None:
            return False
        try:
            return jwt.get_unverified_header(token).get("alg") == "RS256"
        except jwt.PyJWTError:
            return False

    def verify(self, token: str) -> Principal:
        options: Any = {"require": ["exp", "sub"], "verify_aud": bool(self.settings.jwt_audience)}
        audience = self.settings.jwt_audience
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            if self._jwks is not None and algorithm == "RS256":
                key = self._jwks.get_signing_key_from_jwt(token).key
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["RS256"],
                    audience=audience,
                    issuer=self.settings.jwt_jwks_issuer,
                    options=options,
                )
            elif self._secret and algorithm == "HS256":
                claims = jwt.decode(
                    token,
                    self._secret,
                    algorithms=["HS256"],
                    audience=audience,
                    issuer=self.settings.jwt_issuer,
                    options=options,
                )
                if self._jwks is not None and claims.get("roles") != ["service"]:
                    raise Unauthorized("only service tokens may be signed with the shared secret")
            else:
                raise Unauthorized(f"tokens signed with {algorithm} are not accepted here")
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the bearer token is not valid: {exc}") from exc
        for claim in ("roles", "regions", "institutions"):
            value = claims.get(claim) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Unauthorized(f"the token's `{claim}` claim must be a list of strings")
        roles = claims.get("roles") or []
        principal = Principal(
            sub=str(claims["sub"]),
            roles=frozenset(r for r in roles if r in ROLES),
            regions=tuple(str(r) for r in claims.get("regions") or []),
            institutions=tuple(str(i) for i in claims.get("institutions") or []),
            scopes=frozenset(str(claims.get("scope") or "").split()),
        )
        self._remember(token, principal, float(claims["exp"]))
        return principal


_bearer = HTTPBearer(auto_error=False, description="A Kessos JWT (`kessos token` mints one in development).")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send `Authorization: Bearer <token>`")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.remembered(credentials.credentials)
    if principal is None:
        if verifier.may_fetch_keys(credentials.credentials):
            # RS256 may need the identity provider's JWKS over the network: not on the event loop.
            principal = await run_in_threadpool(verifier.verify, credentials.credentials)
        else:  # a signature check with a key in memory takes microseconds: no thread hop for it
            principal = verifier.verify(credentials.credentials)
    if not principal.roles:
        raise Forbidden("the token carries no Kessos role")
    request.state.principal_sub = principal.sub
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
