"""Who the caller is, which regions an account has enabled, and the organisation's accounts.

``sts:AssumeRole`` is declared beside the reads: it changes no resource, it obtains the
temporary credentials that read a member account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.collectors.aws.api import AwsApi
from scanner.collectors.readonly import declare
from scanner.errors import CollectionError
from scanner.model import Gap

OPERATIONS = (
    declare("sts", {"GetCallerIdentity": "sts:GetCallerIdentity", "AssumeRole": "sts:AssumeRole"})
    + declare("ec2", {"DescribeRegions": "ec2:DescribeRegions"})
    + declare("organizations", {"ListAccounts": "organizations:ListAccounts"})
)


@dataclass(frozen=True)
class Caller:
    """The identity of the credentials in use."""

    account: str
    arn: str

    @property
    def partition(self) -> str:
        """``aws``, ``aws-us-gov`` or ``aws-cn``, from the caller's ARN."""
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 1 and parts[1] else "aws"


def caller(api: AwsApi, region: str) -> Caller:
    """The caller's account and ARN; without them nothing can be collected."""
    answer = api.call("sts", region, "GetCallerIdentity", "inventory")
    if answer.gap or answer.data is None:
        gap = answer.gap
        detail = f"{gap.error_code}: {gap.message}" if gap else "no answer"
        raise CollectionError(
            f"cannot identify the AWS account (sts:GetCallerIdentity failed — {detail}). "
            "Check credentials: AWS_PROFILE / --profile, environment keys or an assumed role."
        )
    return Caller(str(answer.data["Account"]), str(answer.data.get("Arn", "")))


def enabled_regions(api: AwsApi, region: str) -> tuple[list[str], Gap | None]:
    """The regions enabled for the account, or the gap that kept them unknown."""
    answer = api.call("ec2", region, "DescribeRegions", "inventory")
    if answer.gap or answer.data is None:
        return [], answer.gap
    return sorted(r["RegionName"] for r in answer.data.get("Regions", [])), None


def organisation_accounts(api: AwsApi, region: str) -> tuple[list[dict[str, Any]], str | None]:
    """The organisation's accounts (``Id``, ``Name``, ``State``) and the listing's request
    ids; unreadable is fatal."""
    listing = api.pages("organizations", region, "ListAccounts", "inventory", "Accounts")
    accounts, gap = listing.items, listing.gap
    if gap:
        raise CollectionError(
            f"--org: cannot list the organisation's accounts (organizations:ListAccounts: "
            f"{gap.error_code}: {gap.message}). Run from the management account or a delegated "
            "administrator, with organizations:ListAccounts allowed."
        )
    if not accounts:
        raise CollectionError(
            "--org: organizations:ListAccounts returned no accounts — is this account the "
            "management account or a delegated administrator of an organisation?"
        )
    return sorted(accounts, key=lambda a: str(a["Id"])), listing.request_id


def is_active(listed: dict[str, Any]) -> bool:
    """Whether a listed account is ACTIVE (``State``, or the older ``Status``)."""
    return listed.get("State", listed.get("Status")) == "ACTIVE"


def assume_role(
    api: AwsApi, region: str, role_arn: str, external_id: str | None
) -> tuple[dict[str, str] | None, Gap | None]:
    """Temporary credentials for ``role_arn``, or the gap saying why they were refused."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "backup-audit"}
    if external_id:
        params["ExternalId"] = external_id
    answer = api.call("sts", region, "AssumeRole", "inventory", **params)
    if answer.gap or answer.data is None:
        return None, answer.gap
    return dict(answer.data["Credentials"]), None
