"""What an AWS SDK error means, in one line: the cause and the fix (:func:`aws_error_text`).

The commands that call AWS (``traffic cloudwatch``, ``pricing refresh``, ``pricing spot``) turn
botocore's exceptions into one :class:`~infra_toolkit.errors.InfraToolkitError` line, never a
traceback.
A ``ClientError`` is told by its code: an expired session, credentials AWS does not know, a
denied permission and throttling each need a different fix, and "check the permissions" for an
expired token (or "check the network" for an SSO login that lapsed) sent people the wrong way.
"""

from __future__ import annotations

__all__ = ["aws_error_text"]

#: ClientError codes, by what the user must do. Codes differ between protocols and services
#: (CloudWatch's query protocol says ``Throttling``, its JSON/CBOR ones ``ThrottlingException``).
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired",
                      "TokenRefreshRequired"})
_UNKNOWN_KEYS = frozenset({"InvalidClientTokenId", "UnrecognizedClientException",
                           "SignatureDoesNotMatch", "InvalidSignatureException", "AuthFailure",
                           "IncompleteSignature", "MissingAuthenticationToken"})
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                     "AuthorizationError"})
_THROTTLED = frozenset({"Throttling", "ThrottlingException", "ThrottledException",
                        "TooManyRequestsException", "RequestLimitExceeded",
                        "RequestThrottled", "RequestThrottledException", "SlowDown"})


def aws_error_text(exc: Exception, permission: str) -> str:
    """``exc`` (a botocore ``ClientError`` or ``BotoCoreError``) as ``cause; fix``, for a call
    that needs the IAM ``permission`` (e.g. ``cloudwatch:GetMetricData``)."""
    from botocore import exceptions as bx

    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return (f"no usable AWS credentials ({exc}); set AWS_PROFILE (or pass --profile) or "
                f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for an identity with {permission}")
    if isinstance(exc, (bx.TokenRetrievalError, bx.SSOError, bx.CredentialRetrievalError)):
        return (f"the AWS credentials could not be obtained or refreshed ({exc}); log in again "
                "(aws sso login --profile PROFILE, or fresh temporary keys) and run it again")
    if isinstance(exc, bx.NoRegionError):
        return "no AWS region; pass --region (region_name) or set AWS_REGION"
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectionError)):
        return (f"cannot reach AWS ({exc}); check the network, the proxy (HTTPS_PROXY) and the "
                "region")
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        said = f"{err.get('Code', '?')}: {err.get('Message', '')}"
        code = str(err.get("Code", ""))
        if code in _EXPIRED:
            return (f"the AWS session token has expired ({said}); refresh the credentials "
                    "(aws sso login, or new temporary keys) and run it again")
        if code in _UNKNOWN_KEYS:
            return (f"AWS does not accept these credentials ({said}); check the access key and "
                    "secret (AWS_PROFILE / --profile, AWS_ACCESS_KEY_ID), and that a session "
                    "token goes with temporary keys")
        if code in _DENIED:
            return (f"AWS denied the call ({said}); grant {permission} to the identity used, "
                    "or use a profile that has it")
        if code in _THROTTLED:
            return (f"AWS throttled the calls, still after the SDK's retries ({said}); wait a "
                    "minute and run it again, or allow more retries (AWS_RETRY_MODE=adaptive, "
                    "AWS_MAX_ATTEMPTS=10)")
        return f"AWS refused the call ({said}); check the inputs it names"
    return f"{exc}; check the network, the region and the AWS configuration"
