"""A gate in front of moto's STS: AssumeRole is refused where the role does not trust us.

moto's ``AssumeRole`` succeeds for any role ARN, even one that does not exist (its own
docstring says so), so an account that refuses the audit role cannot be emulated by moto
alone. The gate forwards every STS request to moto unchanged, except ``AssumeRole`` into
an account listed as refusing: that gets STS's own ``AccessDenied`` answer (Query-protocol
XML error, HTTP 403). It also records which account each issued access key belongs to,
so the AWS Backup fake can keep every account's state apart, as AWS does.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from scanner.emulator.local import LocalServer

_ACCESS_KEY = re.compile(r"<AccessKeyId>([^<]+)</AccessKeyId>")
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")
DEFAULT_ACCOUNT = "123456789012"  # moto's account for keys it did not issue


class Accounts:
    """Which account each access key belongs to, and which accounts refuse the role."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.refusing: set[str] = set()
        self.lock = threading.Lock()

    def of_request(self, authorization: str) -> str:
        """The account whose key signed a request (moto's default for unknown keys)."""
        match = _CREDENTIAL.search(authorization)
        with self.lock:
            return self.keys.get(match.group(1), DEFAULT_ACCOUNT) if match else DEFAULT_ACCOUNT

    def reset(self) -> None:
        """Forget every key and refusal."""
        with self.lock:
            self.keys.clear()
            self.refusing.clear()


def _denied(role_arn: str) -> Response:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        "<Type>Sender</Type><Code>AccessDenied</Code>"
        "<Message>User: arn:aws:iam::123456789012:user/backup-audit is not authorized to "
        f"perform: sts:AssumeRole on resource: {role_arn}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Response(body, status=403, content_type="text/xml")


class StsGateApp:
    """The WSGI application: refuse or forward, and learn the keys moto issues."""

    def __init__(self, accounts: Accounts, upstream: str) -> None:
        self.accounts, self.upstream = accounts, upstream

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        role_arn = form.get("RoleArn", "")
        if form.get("Action") == "AssumeRole":
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
            if account in self.accounts.refusing:
                return _denied(role_arn)(environ, start_response)
        status, headers, answer = self._forward(request, body)
        if form.get("Action") == "AssumeRole" and status == 200:
            issued = _ACCESS_KEY.search(answer.decode("utf-8", "replace"))
            if issued:
                with self.accounts.lock:
                    self.accounts.keys[issued.group(1)] = role_arn.split(":")[4]
        return Response(answer, status=status, headers=headers)(environ, start_response)

    def _forward(self, request: Request, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        forwarded = urllib.request.Request(
            self.upstream + request.full_path, data=body, headers=headers, method=request.method
        )
        try:
            with urllib.request.urlopen(forwarded, timeout=30) as answer:
                return answer.status, _kept(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, _kept(error.headers.items()), error.read()


def _kept(headers: Any) -> list[tuple[str, str]]:
    dropped = {"content-length", "transfer-encoding", "connection", "server", "date"}
    return [(k, v) for k, v in headers if k.lower() not in dropped]


class StsGate(LocalServer):
    """Runs the gate on 127.0.0.1 in a background thread."""

    def __init__(self, accounts: Accounts, upstream: str) -> None:
        super().__init__(StsGateApp(accounts, upstream))
