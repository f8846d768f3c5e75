"""The wire error codes, one exception class each.

Plain Python (no Flask): the store, the auth module and the scenario engine raise these,
and one handler in `envelope.py` turns any of them into the error envelope.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class MockError(Exception):
    """An error that reaches the client as `{"success": false, "error": {...}}`."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    message: str = "Unexpected server error."

    def __init__(
        self,
        message: str | None = None,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or type(self).message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the `error` member of the envelope."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return error


class BadRequest(MockError):
    status, code, message = 400, "BAD_REQUEST", "Missing required headers."


class ValidationFailed(MockError):
    status, code, message = 400, "VALIDATION_ERROR", "Invalid parameters."


class Unauthorized(MockError):
    status, code, message = 401, "UNAUTHORIZED", "Invalid or expired JWT / API Key."


class Forbidden(MockError):
    status, code, message = 403, "FORBIDDEN", "User lacks required permission."


class NotFound(MockError):
    status, code, message = 404, "NOT_FOUND", "Resource not found."


class MethodNotAllowed(MockError):
    status, code, message = 405, "METHOD_NOT_ALLOWED", "Method not allowed on this resource."


class PayloadTooLarge(MockError):
    status, code, message = 413, "PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB."


class RateLimited(MockError):
    status, code, message = 429, "RATE_LIMITED", "Exceeded 10 req/min."


class InternalError(MockError):
    status, code, message = 500, "INTERNAL_ERROR", "Unexpected server error."


#: Every wire code, for scenario files and the `X-Mock-Response` header.
ERRORS_BY_CODE: dict[str, type[MockError]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        ValidationFailed,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        PayloadTooLarge,
        RateLimited,
        InternalError,
    )
}

#: The seven codes the real API's page lists: the ones a scenario may inject.
PAGE_CODES = (
    "BAD_REQUEST",
    "VALIDATION_ERROR",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "RATE_LIMITED",
    "INTERNAL_ERROR",
)

#: A page code by its HTTP status, for `X-Mock-Response: 429`; 400 is BAD_REQUEST, the
#: first of the page's two 400 codes.
PAGE_CODE_BY_STATUS = {str(ERRORS_BY_CODE[code].status): code for code in reversed(PAGE_CODES)}


class ConfigError(Exception):
    """A bad config, fixture, scenario or DB file: one line naming the file and the problem."""


def read_json_file(path: Path, kind: str) -> Any:
    """Parse a config, fixture or scenario file; a problem is one line naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {kind} file not found") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
