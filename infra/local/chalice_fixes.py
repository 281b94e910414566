"""A fix to Chalice's local API Gateway emulation (local stack and tests).

API Gateway answers 401 when a Lambda TOKEN authorizer raises an error whose
message is exactly "Unauthorized" (the documented way to reject a bad token),
and 403 when it returns a Deny policy. Chalice's LocalGatewayAuthorizer lets
the exception escape as a 500; this makes it answer like API Gateway.
"""

from __future__ import annotations

from chalice.local import LocalGatewayAuthorizer, NotAuthorizedError

_original = LocalGatewayAuthorizer.authorize
_applied = False


def _authorize(self, raw_path, lambda_event, lambda_context):
    try:
        return _original(self, raw_path, lambda_event, lambda_context)
    except Exception as error:
        if str(error) != "Unauthorized":
            raise
        raise NotAuthorizedError(
            {"x-amzn-RequestId": lambda_context.aws_request_id, "x-amzn-ErrorType": "UnauthorizedException"},
            b'{"message":"Unauthorized"}',
        ) from None


def apply() -> None:
    global _applied
    if not _applied:
        LocalGatewayAuthorizer.authorize = _authorize
        _applied = True
