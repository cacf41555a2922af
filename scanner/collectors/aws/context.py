"""The AWS account being read: its id, partition and the regions in scope."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountContext:
    """One account of a collection; ``partition`` is ``aws``, ``aws-us-gov`` or ``aws-cn``."""

    account: str
    regions: tuple[str, ...]
    partition: str = "aws"

    def arn(self, service: str, region: str, resource: str) -> str:
        """An ARN in this account's partition (``region`` empty for global services)."""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def bucket_arn(self, bucket: str) -> str:
        """An S3 bucket's ARN (no region, no account)."""
        return f"arn:{self.partition}:s3:::{bucket}"
