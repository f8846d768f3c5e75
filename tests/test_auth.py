"""Headers, credentials, permissions and tenants (steps 1-3), each credential and JWT case."""

from __future__ import annotations

import time

import jwt
import pytest
from conftest import CLIENTS, DEMO_ID, OTHER_ID, assert_error, call

from mockserver.auth import mint_jwt
from mockserver.testing import MockServer

UNAUTH = "Invalid or expired JWT / API Key: "
WRITE, READ = "APICLI_CLIENTS_WRITE", "APICLI_CLIENTS_READ"


def headers(token: str = "dev-token", key: str = "dev-api-key", tenant: str = "demo") -> dict:
    return {"Authorization": f"Bearer {token}", "X-API-Key": key, "tenant": tenant}


@pytest.mark.parametrize(
    ("drop", "names"),
    [
        (("Authorization",), "Authorization"),
        (("X-API-Key",), "X-API-Key"),
        (("tenant",), "tenant"),
        (("Authorization", "tenant"), "Authorization, tenant"),
        (("Authorization", "X-API-Key", "tenant"), "Authorization, X-API-Key, tenant"),
    ],
)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_missing_headers_are_400_naming_each(
    mock: MockServer, drop: tuple[str, ...], names: str, blank: str | None
) -> None:
    sent = {k: v for k, v in headers().items() if k not in drop}
    if blank is not None:
        sent |= {name: blank for name in drop}
    response = call(mock, "POST", CLIENTS, {"name": "A"}, headers=sent)
    assert_error(
        response,
        400,
        "BAD_REQUEST",
        f"Missing required headers: {names}.",
        [{"field": name, "message": "Missing required header."} for name in drop],
    )


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        ("Bearer nope", "the token is not recognised"),
        ("Bearer expired-token", "the token has expired"),
        ("dev-token", "the Authorization header must be 'Bearer <token>'"),
        ("Basic ZGV2OnRva2Vu", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer    ", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer dev-token extra", "the Authorization header must be 'Bearer <token>'"),
        ("Bearer a.b.c", "the token is not a valid JWT"),
    ],
)
def test_bad_tokens_are_401_saying_why(mock: MockServer, authorization: str, reason: str) -> None:
    sent = headers() | {"Authorization": authorization}
    payload = assert_error(
        call(mock, "GET", f"{CLIENTS}/{DEMO_ID}", headers=sent),
        401,
        "UNAUTHORIZED",
        f"{UNAUTH}{reason}.",
        [{"field": "Authorization", "message": reason[0].upper() + reason[1:] + "."}],
    )
    token = authorization.partition(" ")[2].strip()
    if token:
        assert token not in str(payload)  # never echo a secret


def test_bearer_scheme_is_case_insensitive(mock: MockServer) -> None:
    sent = headers() | {"Authorization": "bearer dev-token"}
    assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}", headers=sent).status_code == 200


def test_unknown_api_key_is_401(mock: MockServer) -> None:
    payload = assert_error(
        call(mock, "GET", f"{CLIENTS}/{DEMO_ID}", headers=headers(key="stolen-key")),
        401,
        "UNAUTHORIZED",
        f"{UNAUTH}the API key is not recognised.",
        [{"field": "X-API-Key", "message": "The API key is not recognised."}],
    )
    assert "stolen-key" not in str(payload)


def test_both_credentials_bad_names_both(mock: MockServer) -> None:
    assert_error(
        call(mock, "GET", CLIENTS, headers=headers(token="expired-token", key="x")),
        401,
        "UNAUTHORIZED",
        f"{UNAUTH}the token has expired; the API key is not recognised.",
        [
            {"field": "Authorization", "message": "The token has expired."},
            {"field": "X-API-Key", "message": "The API key is not recognised."},
        ],
    )


def test_readonly_token_reads_but_cannot_write(mock: MockServer) -> None:
    ro = headers(token="readonly-token")
    assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}", headers=ro).status_code == 200
    assert call(mock, "GET", CLIENTS, headers=ro).status_code == 200
    forbidden = "User lacks required permission: APICLI_CLIENTS_WRITE."
    detail = [{"field": "Authorization", "message": "Missing permission APICLI_CLIENTS_WRITE."}]
    assert_error(
        call(mock, "POST", CLIENTS, {"name": "A"}, headers=ro), 403, "FORBIDDEN", forbidden, detail
    )
    assert_error(
        call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"name": "A"}, headers=ro),
        403,
        "FORBIDDEN",
        forbidden,
        detail,
    )


def test_other_tenant_token_is_confined_to_other(mock: MockServer) -> None:
    own = headers(token="other-tenant-token", tenant="other")
    assert call(mock, "GET", f"{CLIENTS}/{OTHER_ID}", headers=own).status_code == 200
    assert call(mock, "POST", CLIENTS, {"name": "A"}, headers=own).status_code == 201
    for method, path in [
        ("GET", f"{CLIENTS}/{DEMO_ID}"),
        ("GET", CLIENTS),
        ("POST", CLIENTS),
        ("PUT", f"{CLIENTS}/{DEMO_ID}"),
    ]:
        response = call(
            mock, method, path, {"name": "A"}, headers=headers(token="other-tenant-token")
        )
        assert_error(
            response,
            403,
            "FORBIDDEN",
            "User lacks required permission: the token is not allowed for this tenant.",
            [{"field": "tenant", "message": "The token is not allowed for this tenant."}],
        )


def test_jwt_minted_with_the_secret_is_accepted(mock: MockServer) -> None:
    token = mint_jwt("mock-secret", [WRITE, READ], ["demo"], subject="alice")
    response = call(mock, "POST", CLIENTS, {"name": "A"}, headers=headers(token=token))
    assert response.status_code == 201, response.text


def test_control_api_mints_a_working_jwt(mock: MockServer) -> None:
    data = mock.control("POST", "/tokens", {"permissions": [READ], "tenants": ["other"]})
    token = data["token"]
    assert jwt.decode(token, "mock-secret", algorithms=["HS256"])["tenants"] == ["other"]
    assert (
        call(mock, "GET", CLIENTS, headers=headers(token=token, tenant="other")).status_code == 200
    )
    assert_error(
        call(mock, "POST", CLIENTS, {"name": "A"}, headers=headers(token=token, tenant="other")),
        403,
        "FORBIDDEN",
    )


def test_jwt_without_exp_never_expires_and_star_means_every_tenant(mock: MockServer) -> None:
    token = mint_jwt("mock-secret", [READ], ["*"], expires_in=None)
    assert (
        call(mock, "GET", CLIENTS, headers=headers(token=token, tenant="other")).status_code == 200
    )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (mint_jwt("mock-secret", [WRITE, READ], ["*"], expires_in=-10), "the token has expired"),
        (
            mint_jwt("wrong-secret", [WRITE, READ], ["*"]),
            "the token's signature does not match the mock's secret",
        ),
        (
            jwt.encode({"permissions": [WRITE], "tenants": ["*"]}, None, algorithm="none"),
            "the token must be a JWT signed with HS256",
        ),
        (
            jwt.encode(
                {"permissions": [WRITE], "tenants": ["*"]}, "mock-secret" * 4, algorithm="HS512"
            ),
            "the token must be a JWT signed with HS256",
        ),
        (
            jwt.encode({"permissions": "APICLI_CLIENTS_WRITE", "tenants": ["*"]}, "mock-secret"),
            "the token's claim permissions must be a list of strings",
        ),
    ],
)
def test_bad_jwts_are_401(mock: MockServer, token: str, reason: str) -> None:
    payload = assert_error(
        call(mock, "GET", CLIENTS, headers=headers(token=token)),
        401,
        "UNAUTHORIZED",
        f"{UNAUTH}{reason}.",
    )
    assert token not in str(payload) and "mock-secret" not in str(payload)


def test_tampered_jwt_signature_is_401(mock: MockServer) -> None:
    """A read-only token whose claims were swapped for wider ones keeps its signature."""
    head, _, signature = mint_jwt("mock-secret", [READ], ["demo"]).split(".")
    forged_claims = jwt.encode({"permissions": [WRITE, READ], "tenants": ["*"]}, "x").split(".")[1]
    assert_error(
        call(mock, "GET", CLIENTS, headers=headers(token=f"{head}.{forged_claims}.{signature}")),
        401,
        "UNAUTHORIZED",
        f"{UNAUTH}the token's signature does not match the mock's secret.",
    )


def test_jwt_for_another_tenant_is_403(mock: MockServer) -> None:
    token = mint_jwt("mock-secret", [WRITE, READ], ["other"])
    assert_error(call(mock, "GET", CLIENTS, headers=headers(token=token)), 403, "FORBIDDEN")


def test_jwt_without_permissions_is_403(mock: MockServer) -> None:
    token = jwt.encode({"tenants": ["*"], "exp": int(time.time()) + 60}, "mock-secret")
    assert_error(
        call(mock, "GET", CLIENTS, headers=headers(token=token)),
        403,
        "FORBIDDEN",
        "User lacks required permission: APICLI_CLIENTS_READ.",
    )


def test_jwt_secret_is_overridable() -> None:
    with MockServer(jwt_secret="team-secret") as mock:
        good = mint_jwt("team-secret", [READ], ["*"])
        old = mint_jwt("mock-secret", [READ], ["*"])
        assert call(mock, "GET", CLIENTS, headers=headers(token=good)).status_code == 200
        assert_error(call(mock, "GET", CLIENTS, headers=headers(token=old)), 401, "UNAUTHORIZED")


def test_unverified_jwt_mode_trusts_claims_but_still_checks_exp() -> None:
    foreign = jwt.encode({"permissions": [READ], "tenants": ["demo"]}, "idp-key-we-lack")
    expired = jwt.encode({"permissions": [READ], "tenants": ["demo"], "exp": 1}, "idp-key")
    with MockServer() as strict:
        assert_error(
            call(strict, "GET", CLIENTS, headers=headers(token=foreign)), 401, "UNAUTHORIZED"
        )
    with MockServer(accept_unverified_jwt=True) as lax:
        assert call(lax, "GET", CLIENTS, headers=headers(token=foreign)).status_code == 200
        assert_error(
            call(lax, "GET", CLIENTS, headers=headers(token=expired)),
            401,
            "UNAUTHORIZED",
            f"{UNAUTH}the token has expired.",
        )


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"permissions": "APICLI_CLIENTS_READ"},
            [{"field": "permissions", "message": "Not a valid list."}],
        ),
        ({"expires_in": "soon"}, [{"field": "expires_in", "message": "Not a valid integer."}]),
        ({"scopes": []}, [{"field": "scopes", "message": "Unknown field."}]),
    ],
)
def test_bad_token_requests_are_validation_errors(
    mock: MockServer, body: dict, details: list
) -> None:
    response = call(mock, "POST", "/__mock/tokens", body, headers={})
    assert_error(response, 400, "VALIDATION_ERROR", "Invalid parameters.", details)


def test_a_token_request_without_a_body_mints_full_access(mock: MockServer) -> None:
    response = call(mock, "POST", "/__mock/tokens", headers={}, content_type=None)
    claims = jwt.decode(response.json()["data"]["token"], "mock-secret", algorithms=["HS256"])
    assert claims["permissions"] == [WRITE, READ] and claims["tenants"] == ["*"]
    assert claims["exp"] > time.time() + 3500
