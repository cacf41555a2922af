"""Who the caller is and which regions the account has enabled."""

from __future__ import annotations

from scanner.collectors.aws.api import AwsApi
from scanner.collectors.readonly import declare
from scanner.errors import CollectionError

OPERATIONS = declare("sts", {"GetCallerIdentity": "sts:GetCallerIdentity"}) + declare(
    "ec2", {"DescribeRegions": "ec2:DescribeRegions"}
)


def caller_account(api: AwsApi, region: str) -> str:
    """The account ID of the credentials in use; without it nothing can be collected."""
    answer = api.call("sts", region, "GetCallerIdentity", "inventory")
    if answer.gap or answer.data is None:
        gap = answer.gap
        detail = f"{gap.error_code}: {gap.message}" if gap else "no answer"
        raise CollectionError(
            f"cannot identify the AWS account (sts:GetCallerIdentity failed — {detail}). "
            "Check credentials: AWS_PROFILE / --profile, environment keys or an assumed role."
        )
    return str(answer.data["Account"])


def enabled_regions(api: AwsApi, region: str) -> list[str]:
    """The regions enabled for the account."""
    answer = api.call("ec2", region, "DescribeRegions", "inventory")
    if answer.gap or answer.data is None:
        code = answer.gap.error_code if answer.gap else "no answer"
        raise CollectionError(
            f"cannot list the account's enabled regions (ec2:DescribeRegions: {code}); "
            "pass --regions to name them"
        )
    return sorted(r["RegionName"] for r in answer.data.get("Regions", []))
