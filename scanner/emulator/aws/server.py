"""Starting and stopping the emulated AWS endpoints on 127.0.0.1.

moto's server answers what it implements faithfully; the AWS Backup fake answers the
Backup reads moto lacks; the STS gate sits in front of moto's STS so that an account can
refuse the audit role. moto can record the requests it receives, so a test can assert
what the server saw.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from scanner.emulator.aws.backup_fake import BackupFakeServer, BackupState
from scanner.emulator.aws.sts_gate import Accounts, StsGate
from scanner.errors import CollectionError

DUMMY_KEY = "testing"


def dummy_session() -> boto3.Session:
    """A session with dummy credentials: nothing it signs is valid against real AWS."""
    return boto3.Session(
        aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY, region_name="us-east-1"
    )


class EmulatedAws:
    """moto's server, the AWS Backup fake and the STS gate on 127.0.0.1 (a context manager)."""

    def __init__(self) -> None:
        # Where moto writes requests while recording (only then); read when moto is imported.
        recording = Path(tempfile.gettempdir()) / f"backup-audit-moto-{os.getpid()}.jsonl"
        os.environ.setdefault("MOTO_RECORDER_FILEPATH", str(recording))
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise CollectionError(
                "the emulator needs moto: pip install 'backup-audit[demo]'"
            ) from exc
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.accounts = Accounts()
        self._backup = BackupFakeServer(BackupState(self.accounts))
        self._gate: StsGate | None = None
        self.moto_url = ""

    @property
    def backup_state(self) -> BackupState:
        """The fake's state, for seeding and fault injection."""
        return self._backup.state

    @property
    def endpoints(self) -> dict[str, str]:
        """Endpoint per service for the collectors (``*`` = every other service)."""
        assert self._gate is not None, "start the emulator first"
        return {"*": self.moto_url, "backup": self._backup.url, "sts": self._gate.url}

    def start(self) -> EmulatedAws:
        """Start the servers (their per-request logging silenced)."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._backup.start()
        self._gate = StsGate(self.accounts, self.moto_url)
        self._gate.start()
        # moto keeps its state per process, not per server: start from an empty estate.
        self.reset()
        return self

    def _moto_api(self, path: str, method: str = "POST") -> bytes:
        request = urllib.request.Request(f"{self.moto_url}/moto-api/{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return bytes(answer.read())

    def reset(self) -> None:
        """Empty every server."""
        self._moto_api("reset")
        self._backup.state.reset()
        self.accounts.reset()

    def start_recording(self) -> None:
        """Have moto record every request from now on (earlier ones are forgotten)."""
        self._moto_api("recorder/reset-recording")
        self._moto_api("recorder/start-recording")

    def recorded(self) -> list[dict[str, Any]]:
        """Stop recording; the requests moto received: ``headers``, ``url``, ``body``."""
        self._moto_api("recorder/stop-recording")
        lines = self._moto_api("recorder/download-recording", "GET").decode().splitlines()
        out = []
        for line in lines:
            entry = json.loads(line)
            if entry.get("body_encoded"):
                entry["body"] = base64.b64decode(entry["body"]).decode("utf-8", "replace")
            out.append(entry)
        return out

    def stop(self) -> None:
        """Stop every server."""
        if self._gate:
            self._gate.stop()
        self._backup.stop()
        self._moto.stop()

    def __enter__(self) -> EmulatedAws:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
