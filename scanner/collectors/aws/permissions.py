"""The least-privilege IAM policy, generated from the collectors' declarations."""

from __future__ import annotations

import json

from scanner.collectors.aws.collect import OPERATIONS


def iam_policy() -> dict[str, object]:
    """An IAM policy document allowing exactly the declared read operations."""
    actions = sorted({op.permission for op in OPERATIONS})
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BackupAuditReadOnly",
                "Effect": "Allow",
                "Action": actions,
                "Resource": "*",
            }
        ],
    }


def iam_policy_json() -> str:
    """The policy as indented JSON text."""
    return json.dumps(iam_policy(), indent=2) + "\n"
