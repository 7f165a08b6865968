"""The sandbox's one error: a status, a message for a person and the contract's error `type`, answered
as `{"error": {"code", "message", "type"}}` with that status."""

from __future__ import annotations

from starlette.responses import JSONResponse


class SandboxError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.type = status, message, type_

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.type)


def error_response(status: int, message: str, type_: str) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message, "type": type_}}, status_code=status)
