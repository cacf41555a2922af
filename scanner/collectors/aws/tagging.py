"""Tags for many resources per call through the Resource Groups Tagging API."""

from __future__ import annotations

from typing import NamedTuple

from scanner.collectors.aws.api import AwsApi
from scanner.collectors.readonly import declare
from scanner.model import Gap

OPERATIONS = declare("resourcegroupstaggingapi", {"GetResources": "tag:GetResources"})


class RegionTags(NamedTuple):
    """Tags by ARN, the gap that left them unknown, and the listing's request ids."""

    by_arn: dict[str, dict[str, str]]
    gap: Gap | None
    request_id: str | None


def region_tags(api: AwsApi, region: str, resource_type: str) -> RegionTags:
    """Tags by ARN of every resource of ``resource_type`` in the region.

    The API returns only resources that have (or had) tags: a resource missing from the
    answer has no tags. On failure the tags are unknown and the gap says why.
    """
    listing = api.pages(
        "resourcegroupstaggingapi",
        region,
        "GetResources",
        "tags",
        "ResourceTagMappingList",
        ResourceTypeFilters=[resource_type],
    )
    if listing.gap:
        return RegionTags({}, listing.gap, None)
    tags = {
        m["ResourceARN"]: {t["Key"]: t["Value"] for t in m.get("Tags", [])} for m in listing.items
    }
    return RegionTags(tags, None, listing.request_id)


def tag_list(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """AWS ``[{Key, Value}]`` tag lists as a dict."""
    return {t["Key"]: t.get("Value", "") for t in tags or []}
