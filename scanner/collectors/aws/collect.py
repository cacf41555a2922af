"""Collecting AWS: the caller's account, or every account of an organisation.

Targets: the caller's account; with ``--org`` every active account that
``organizations:ListAccounts`` returns (narrowed by ``--accounts``), each entered through
``sts:AssumeRole`` of ``--role-name`` (with ``--external-id``). An account whose role
cannot be assumed, or whose regions cannot be listed, is kept as account facts with a
gap — never silently left out. Per target the tasks are S3 (once) and, per region,
DynamoDB, RDS and AWS Backup; per-resource reads they discover are follow-ups on the same
pool. AWS Backup's answers are applied to the account's stores last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import boto3

from scanner.collectors.aws import account, backup, dynamodb, kms, rds, s3, tagging
from scanner.collectors.aws.api import AwsApi, AwsClients, ClientSettings
from scanner.collectors.aws.backup import RegionBackup
from scanner.collectors.aws.backup_merge import account_plans, apply_backup
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.base import Collector, Target, Targets
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.errors import CollectionError, InputError
from scanner.model import AccountFacts, Gap
from scanner.vocabulary import Cloud

OPERATIONS = (
    account.OPERATIONS
    + dynamodb.OPERATIONS
    + s3.OPERATIONS
    + rds.OPERATIONS
    + backup.OPERATIONS
    + kms.OPERATIONS
    + tagging.OPERATIONS
)


@dataclass(frozen=True)
class AwsScope:
    """Which accounts and regions to read, and how to enter member accounts."""

    regions: tuple[str, ...] | None = None
    org: bool = False
    accounts: tuple[str, ...] = ()
    role_name: str | None = None
    external_id: str | None = None
    identity_region: str = "us-east-1"


class AwsCollector(Collector):
    """Reads one or more AWS accounts with the credentials of ``session``."""

    cloud: Cloud = "aws"

    def __init__(
        self,
        session: boto3.Session,
        scope: AwsScope | None = None,
        settings: ClientSettings | None = None,
        counter: CallCounter | None = None,
    ) -> None:
        super().__init__(counter or CallCounter())
        self.scope = scope or AwsScope()
        self.clients = AwsClients(session, ReadOnlyGuard(OPERATIONS), self.counter, settings)
        self._contexts: dict[str, AccountContext] = {}
        self._apis: dict[str, AwsApi] = {}

    @property
    def home(self) -> str:
        """The region for global calls (identity, organisation, bucket listing)."""
        return self.scope.regions[0] if self.scope.regions else self.scope.identity_region

    def targets(self) -> Targets:
        """The caller's account, or the organisation's accounts entered by role."""
        caller_api = self.clients.add_account("caller")
        me = account.caller(caller_api, self.home)
        names = self._wanted_accounts(caller_api, me.account)
        found = Targets()
        for account_id, name in names:
            api, gap = self._enter(caller_api, me, account_id)
            regions, region_gap = (
                self._regions(api, account_id == me.account) if api else ([], None)
            )
            if gap or region_gap:
                found.refused.append(_refused(account_id, name, gap or region_gap))
                continue
            assert api is not None
            self._apis[account_id] = api
            self._contexts[account_id] = AccountContext(account_id, tuple(regions), me.partition)
            found.reachable.append(Target(account_id, tuple(regions), name))
        return found

    def _wanted_accounts(self, api: AwsApi, caller_account: str) -> list[tuple[str, str | None]]:
        wanted = self.scope.accounts
        if not self.scope.org:
            return [(a, None) for a in (wanted or (caller_account,))]
        listed = {
            str(a["Id"]): a.get("Name") for a in account.organisation_accounts(api, self.home)
        }
        unknown = sorted(set(wanted) - set(listed))
        if unknown:
            raise InputError(
                f"--accounts: {', '.join(unknown)} is not an active account of the organisation"
            )
        return [(a, listed[a]) for a in sorted(wanted or listed)]

    def _enter(
        self, caller_api: AwsApi, me: account.Caller, account_id: str
    ) -> tuple[AwsApi | None, Gap | None]:
        """The API of ``account_id``: the caller's own, or through the assumed role."""
        if account_id == me.account:
            return self.clients.add_account(account_id), None
        if not self.scope.role_name:
            raise InputError(
                f"--role-name is needed to read account {account_id} (it is not the caller's, "
                f"{me.account})"
            )
        role = f"arn:{me.partition}:iam::{account_id}:role/{self.scope.role_name}"
        credentials, gap = account.assume_role(caller_api, self.home, role, self.scope.external_id)
        if credentials is None:
            return None, gap
        return self.clients.add_account(account_id, credentials), None

    def _regions(self, api: AwsApi, is_caller: bool) -> tuple[Sequence[str], Gap | None]:
        if self.scope.regions:
            return self.scope.regions, None
        regions, gap = account.enabled_regions(api, self.home)
        if gap and is_caller and not self.scope.org:
            raise CollectionError(
                f"cannot list the account's enabled regions (ec2:DescribeRegions: "
                f"{gap.error_code}); pass --regions to name them"
            )
        return regions, gap

    def tasks(self, target: Target, now: datetime) -> list[Task]:
        """S3 once per account; DynamoDB, RDS and AWS Backup per region."""
        api, ctx = self._apis[target.account], self._contexts[target.account]
        keys = kms.KeyResolver(api)
        tasks: list[Task] = [partial(s3.collect_account, api, keys, ctx)]
        for region in target.regions:
            tasks += [
                partial(dynamodb.collect_region, api, keys, ctx, region),
                partial(rds.collect_region, api, keys, ctx, region),
                partial(backup.collect_region, api, ctx, region, now),
            ]
        return tasks

    def finish(
        self, target: Target, results: list[TaskResult], now: datetime
    ) -> tuple[list[StoreResult], AccountFacts]:
        """Apply AWS Backup's answers to the account's stores; the account's facts."""
        items = [s for r in results for s in r.stores]
        facts = {f.region: f for r in results for f in r.facts if isinstance(f, RegionBackup)}
        for item in items:
            apply_backup(item, facts, now)
        return items, AccountFacts(
            cloud="aws",
            account=target.account,
            name=target.name,
            regions=sorted(target.regions),
            backup_plans=account_plans(facts, now),
            vaults=sorted((v for f in facts.values() for v in f.vaults), key=lambda v: v.id),
            gaps=[g for r in results for g in r.gaps],
        )

    def release(self, target: Target) -> None:
        """Close the account's clients: memory stays flat however many accounts there are."""
        self.clients.forget(target.account)


def _refused(account_id: str, name: str | None, gap: Gap | None) -> AccountFacts:
    """An account that could not be entered: present, with the gap that says why."""
    gaps = [gap.model_copy(update={"resource": account_id})] if gap else []
    return AccountFacts(cloud="aws", account=account_id, name=name, gaps=gaps)
