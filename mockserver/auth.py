"""Credentials: the fixture file, opaque tokens, HS256 JWTs, permissions and tenants.

Plain Python (no Flask). Messages say which credential failed and why, never its value.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from .errors import ConfigError, Forbidden, Unauthorized, read_json_file

ALL_TENANTS = "*"

# The contract fixes the short secret `mock-secret`; PyJWT would warn on every request.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)


@dataclass(frozen=True)
class Principal:
    """Who is calling: what they may do, and where."""

    subject: str  # shown in logs; never the token itself
    permissions: frozenset[str]
    tenants: frozenset[str]


@dataclass(frozen=True)
class TokenSpec:
    principal: Principal
    expired: bool


@dataclass(frozen=True)
class Credentials:
    api_keys: frozenset[str]
    tokens: dict[str, TokenSpec]
    jwt_secret: str
    accept_unverified_jwt: bool = False


def fingerprint(secret: str) -> str:
    """A short, one-way label for a secret, safe to log."""
    return hashlib.sha256(secret.encode()).hexdigest()[:10]


def _string_list(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where} must be a list of strings")
    return frozenset(value)


def _token_spec(name: str, raw: Any) -> TokenSpec:
    if not isinstance(raw, dict):
        raise ValueError(f"tokens.{name} must be an object")
    unknown = set(raw) - {"subject", "permissions", "tenants", "expired"}
    if unknown:
        raise ValueError(f"tokens.{name} has unknown key {sorted(unknown)[0]!r}")
    subject = raw.get("subject", f"token:{fingerprint(name)}")
    expired = raw.get("expired", False)
    if not isinstance(subject, str) or not isinstance(expired, bool):
        raise ValueError(f"tokens.{name}: subject must be a string and expired a boolean")
    principal = Principal(
        subject,
        _string_list(raw.get("permissions", []), f"tokens.{name}.permissions"),
        _string_list(raw.get("tenants", []), f"tokens.{name}.tenants"),
    )
    return TokenSpec(principal, expired)


def load_credentials(
    path: Path, jwt_secret: str | None = None, accept_unverified_jwt: bool = False
) -> Credentials:
    """Read the auth fixture; any problem is one ConfigError line naming the file."""
    raw = read_json_file(path, "auth fixture")
    try:
        if not isinstance(raw, dict):
            raise ValueError("expected an object with api_keys, tokens and jwt_secret")
        unknown = set(raw) - {"api_keys", "tokens", "jwt_secret", "description"}
        if unknown:
            raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
        api_keys = _string_list(raw.get("api_keys", []), "api_keys")
        tokens = raw.get("tokens", {})
        if not isinstance(tokens, dict):
            raise ValueError("tokens must be an object of token -> spec")
        secret = jwt_secret or raw.get("jwt_secret")
        if not isinstance(secret, str) or not secret:
            raise ValueError("jwt_secret must be a non-empty string")
        specs = {name: _token_spec(name, spec) for name, spec in tokens.items()}
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Credentials(api_keys, specs, secret, accept_unverified_jwt)


def bearer_token(authorization: str) -> str | None:
    """Return the token of `Bearer <token>`, or None when the header has another shape."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        return None
    return token


def _jwt_principal(credentials: Credentials, token: str) -> Principal:
    try:
        if credentials.accept_unverified_jwt:
            claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": True})
        else:
            claims = jwt.decode(token, credentials.jwt_secret, algorithms=["HS256"])
    except jwt.ExpiredSignatureError:
        raise _token_problem("the token has expired") from None
    except jwt.InvalidSignatureError:
        raise _token_problem("the token's signature does not match the mock's secret") from None
    except jwt.InvalidAlgorithmError:
        raise _token_problem("the token must be a JWT signed with HS256") from None
    except jwt.InvalidTokenError:
        raise _token_problem("the token is not a valid JWT") from None
    try:
        permissions = _string_list(claims.get("permissions", []), "permissions")
        tenants = _string_list(claims.get("tenants", []), "tenants")
    except ValueError as exc:
        raise _token_problem(f"the token's claim {exc}") from None
    subject = claims.get("sub")
    label = f"jwt:{subject}" if isinstance(subject, str) else f"jwt:{fingerprint(token)}"
    return Principal(label, permissions, tenants)


class _Problem(Exception):
    """One failed credential: which header, and why (never its value)."""

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(reason)
        self.header, self.reason = header, reason


def _token_problem(reason: str) -> _Problem:
    return _Problem("Authorization", reason)


def _principal(credentials: Credentials, authorization: str) -> Principal:
    token = bearer_token(authorization)
    if token is None:
        raise _token_problem("the Authorization header must be 'Bearer <token>'")
    spec = credentials.tokens.get(token)
    if spec is not None:
        if spec.expired:
            raise _token_problem("the token has expired")
        return spec.principal
    if token.count(".") == 2:
        return _jwt_principal(credentials, token)
    raise _token_problem("the token is not recognised")


def authenticate(credentials: Credentials, authorization: str, api_key: str) -> Principal:
    """Check the token and the API key together, so one 401 names every failure."""
    problems: list[_Problem] = []
    principal = None
    try:
        principal = _principal(credentials, authorization)
    except _Problem as problem:
        problems.append(problem)
    if api_key not in credentials.api_keys:
        problems.append(_Problem("X-API-Key", "the API key is not recognised"))
    if problems:
        raise Unauthorized(
            "Invalid or expired JWT / API Key: " + "; ".join(p.reason for p in problems) + ".",
            details=[
                {"field": p.header, "message": p.reason[0].upper() + p.reason[1:] + "."}
                for p in problems
            ],
        )
    assert principal is not None
    return principal


def authorize(principal: Principal, permission: str, tenant: str) -> None:
    """Raise 403 unless the principal holds `permission` and may act in `tenant`."""
    if permission not in principal.permissions:
        raise Forbidden(
            f"User lacks required permission: {permission}.",
            details=[{"field": "Authorization", "message": f"Missing permission {permission}."}],
        )
    if ALL_TENANTS not in principal.tenants and tenant not in principal.tenants:
        raise Forbidden(
            "User lacks required permission: the token is not allowed for this tenant.",
            details=[{"field": "tenant", "message": "The token is not allowed for this tenant."}],
        )


def mint_jwt(
    secret: str,
    permissions: list[str],
    tenants: list[str],
    expires_in: int | None = 3600,
    subject: str | None = None,
) -> str:
    """Sign a token the mock accepts (used by the control API and by tests)."""
    claims: dict[str, Any] = {"permissions": permissions, "tenants": tenants}
    if expires_in is not None:
        claims["exp"] = int(time.time()) + expires_in
    if subject:
        claims["sub"] = subject
    return jwt.encode(claims, secret, algorithm="HS256")
