"""The one end-to-end demo run of the suite, shared by every test that reads its outputs,
and the way tests run the command line in-process (Typer's CliRunner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app

CLEAN_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_PROFILE": None,
    "AWS_ENDPOINT_URL": None,
    "AWS_ENDPOINT_URL_BACKUP": None,
    "AWS_ENDPOINT_URL_STS": None,
    # Google: no credentials file, no gcloud config, never the metadata server
    "GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/credentials.json",
    "CLOUDSDK_CONFIG": "/nonexistent",
    "NO_GCE_CHECK": "True",
}


def cli(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Run ``backup-audit ARGS`` in this process, as a user would (exit code, stdout, stderr)."""
    return CliRunner().invoke(app, list(args), env=CLEAN_ENV | (env or {}))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result]]:
    """``backup-audit demo`` run once: its output folder and what it printed."""
    out = tmp_path_factory.mktemp("demo")
    result = cli("demo", "-o", str(out))
    assert result.exit_code == 0, result.output
    yield out, result
