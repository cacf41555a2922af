"""Starting and stopping the emulated AWS endpoints on 127.0.0.1."""

from __future__ import annotations

import logging
import urllib.request
from types import TracebackType

import boto3

from scanner.emulator.backup_fake import BackupFakeServer, BackupState
from scanner.errors import CollectionError

DUMMY_KEY = "testing"


def dummy_session() -> boto3.Session:
    """A session with dummy credentials: nothing it signs is valid against real AWS."""
    return boto3.Session(
        aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY, region_name="us-east-1"
    )


class EmulatedAws:
    """moto's server plus the AWS Backup fake, both on 127.0.0.1, as a context manager."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise CollectionError(
                "the emulator needs moto: pip install 'backup-audit[demo]'"
            ) from exc
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._backup = BackupFakeServer()
        self.moto_url = ""

    @property
    def backup_state(self) -> BackupState:
        """The fake's state, for seeding and fault injection."""
        return self._backup.state

    @property
    def endpoints(self) -> dict[str, str]:
        """Endpoint per service for the collectors (``*`` = every other service)."""
        return {"*": self.moto_url, "backup": self._backup.url}

    def start(self) -> EmulatedAws:
        """Start both servers (their per-request logging silenced)."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._backup.start()
        return self

    def reset(self) -> None:
        """Empty both servers."""
        request = urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
        self._backup.state.reset()

    def stop(self) -> None:
        """Stop both servers."""
        self._backup.stop()
        self._moto.stop()

    def __enter__(self) -> EmulatedAws:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
