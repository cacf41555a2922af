"""AWS as the registry sees it: options, region syntax, store kinds, permissions, emulator.

Importing this module is cheap (no boto3): the CLI reads the options and the engine the
kinds. boto3, the collectors and the emulator are imported when a collection runs.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.collectors.registry import (
    CloudPlugin,
    CollectorOption,
    CollectRequest,
    Emulated,
    StoreKind,
)
from scanner.errors import InputError
from scanner.vocabulary import REGION_SYNTAX, Capability, Cloud

if TYPE_CHECKING:
    from scanner.collectors.base import Collector
    from scanner.collectors.readonly import ReadOperation

_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}\Z")
_REGION = re.compile(REGION_SYNTAX["aws"])
_ACCOUNT = re.compile(r"^\d{12}$")
_DATABASE: frozenset[Capability] = frozenset({"deletion_protection", "backup", "continuous"})
_BUCKET: frozenset[Capability] = frozenset(
    {"backup", "continuous", "versioning", "replication", "retention_lock"}
)

KINDS = (
    StoreKind(
        "aws.dynamodb.table",
        "aws",
        "DynamoDB table",
        _DATABASE,
        "arn:aws:dynamodb:{region}:{account}:table/{name}",
        ("arn:aws:dynamodb", "{id}"),
    ),
    StoreKind(
        "aws.s3.bucket",
        "aws",
        "S3 bucket",
        _BUCKET,
        "arn:aws:s3:::{name}",
        ("arn:aws:s3", "{id}"),
    ),
    StoreKind(
        "aws.rds.instance",
        "aws",
        "RDS DB instance",
        _DATABASE,
        "arn:aws:rds:{region}:{account}:db:{name}",
    ),
    StoreKind(
        "aws.rds.cluster",
        "aws",
        "Aurora / Multi-AZ DB cluster",
        _DATABASE,
        "arn:aws:rds:{region}:{account}:cluster:{name}",
    ),
)

OPTIONS = (
    CollectorOption(
        "--profile", "AWS profile from ~/.aws/config. Default: the standard credential chain."
    ),
    CollectorOption(
        "--endpoint-url",
        "Send every AWS call to this endpoint (e.g. a local moto server). AWS_ENDPOINT_URL "
        "and AWS_ENDPOINT_URL_<SERVICE> are honoured too.",
        metavar="URL",
    ),
    CollectorOption(
        "--org",
        "Read every active account of the AWS Organization (run from the management account "
        "or a delegated administrator; needs --role-name).",
        kind="flag",
    ),
    CollectorOption(
        "--accounts",
        "AWS account IDs to read, comma-separated: narrows --org, or names accounts to "
        "enter with --role-name.",
        kind="list",
        metavar="ID,…",
    ),
    CollectorOption(
        "--role-name",
        "The role to assume in each other account (e.g. BackupAuditReadOnly).",
        metavar="NAME",
    ),
    CollectorOption(
        "--external-id", "The external ID the role's trust policy requires.", metavar="ID"
    ),
)


@functools.cache
def _botocore_regions() -> tuple[str, ...]:
    """Read once a process: botocore loads its endpoint data anew for every session
    (0.2 s), and a policy's residency patterns each ask."""
    import boto3

    session = boto3.session.Session()
    partitions = session.get_available_partitions()
    names = {r for p in partitions for r in session.get_available_regions("ec2", p)}
    return tuple(sorted(names))


class AwsPlugin(CloudPlugin):
    """Amazon Web Services: DynamoDB, S3, RDS/Aurora and AWS Backup."""

    name: Cloud = "aws"
    title = "Amazon Web Services"
    account_word = "account"
    region_example = "eu-west-1"
    example_account = "111122223333"
    example_region = "eu-west-1"
    options = OPTIONS
    kinds = KINDS

    def known_regions(self) -> tuple[str, ...] | None:
        """Every region of every AWS partition in botocore's endpoint data."""
        return _botocore_regions()

    def is_region(self, text: str) -> bool:
        """``eu-west-1``, ``us-gov-west-1``, ``cn-north-1`` …"""
        return _REGION.match(text) is not None

    def collector(self, request: CollectRequest) -> Collector:
        """An AwsCollector for the request's credentials, accounts and regions."""
        import boto3
        from botocore.exceptions import ProfileNotFound

        from scanner.collectors.aws.api import ClientSettings
        from scanner.collectors.aws.collect import AwsCollector, AwsScope

        endpoint = request.option("endpoint_url")
        if endpoint and not _is_url(endpoint):
            raise InputError(f"--endpoint-url: {endpoint!r} is not an http(s) URL")
        accounts = tuple(dict.fromkeys(request.option("accounts") or ()))
        bad = [a for a in accounts if not _ACCOUNT.match(a)]
        if bad:
            raise InputError(f"--accounts: {', '.join(bad)} is not a 12-digit AWS account ID")
        _check_account_options(request, accounts)
        role = request.option("role_name")
        if role and not _ROLE_NAME.match(role):
            raise InputError(
                f"--role-name: {role!r} is not an IAM role name (letters, digits, +=,.@_-)"
            )
        if request.option("emulated"):
            from scanner.emulator.aws.server import dummy_session

            session = dummy_session()
        else:
            try:
                session = boto3.Session(profile_name=request.option("profile"))
            except ProfileNotFound as exc:
                raise InputError(f"--profile: {exc}") from None
        scope = AwsScope(
            regions=request.regions,
            org=bool(request.option("org")),
            accounts=accounts,
            role_name=request.option("role_name"),
            external_id=request.option("external_id"),
        )
        endpoints = request.option("endpoints") or ({"*": endpoint} if endpoint else None)
        settings = ClientSettings(max_pool=request.workers, endpoints=endpoints)
        return AwsCollector(session, scope, settings)

    def operations(self) -> tuple[ReadOperation, ...]:
        """Every operation the AWS collectors may call."""
        from scanner.collectors.aws.collect import OPERATIONS

        return OPERATIONS

    def permissions_document(self) -> str:
        """An IAM policy allowing exactly the declared operations."""
        return json.dumps(iam_policy(self.operations()), indent=2) + "\n"

    def load_estate(self, section: Any, path: Path, text: str, prefix: str) -> Any:
        """The ``aws:`` section of a demo estate file."""
        from scanner.emulator.aws.estate import AwsEstate
        from scanner.fileio import validate_section

        return validate_section(AwsEstate, section, path, text, prefix)

    @contextmanager
    def emulate(self, estate: Any, now: datetime) -> Iterator[Emulated]:
        """moto + our AWS Backup fake + the STS gate on 127.0.0.1, seeded with ``estate``."""
        from scanner.emulator.aws.seed import Seeder
        from scanner.emulator.aws.server import EmulatedAws, dummy_session

        with EmulatedAws() as emulator:
            Seeder(dummy_session(), emulator.moto_url, estate, now).seed(emulator.backup_state)
            options = {"endpoints": emulator.endpoints, "emulated": True}
            yield Emulated(tuple(estate.regions), options)


def _is_url(text: str) -> bool:
    """An http(s) URL with a host and, if any, a numeric port — nothing botocore refuses."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not re.search(r"\s", text)


def _check_account_options(request: CollectRequest, accounts: tuple[str, ...]) -> None:
    """Options that only make sense together are refused apart, before any call."""
    if request.option("org") and not request.option("role_name"):
        raise InputError("--org needs --role-name: the role to assume in each account")
    for flag, key in (("--role-name", "role_name"), ("--external-id", "external_id")):
        if request.option(key) and not (request.option("org") or accounts):
            raise InputError(f"{flag} is used only with --org or --accounts")


def iam_policy(operations: tuple[ReadOperation, ...]) -> dict[str, object]:
    """An IAM policy document allowing exactly ``operations``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BackupAuditReadOnly",
                "Effect": "Allow",
                "Action": sorted({op.permission for op in operations}),
                "Resource": "*",
            }
        ],
    }


PLUGIN = AwsPlugin()
