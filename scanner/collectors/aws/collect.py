"""Collecting AWS: the caller's account, or every account of an organisation.

Targets: the caller's account; with ``--org`` every active account that
``organizations:ListAccounts`` returns (narrowed by ``--accounts``), each entered through
``sts:AssumeRole`` of ``--role-name`` (with ``--external-id``) when its turn comes. An
account whose role cannot be assumed, or whose regions cannot be listed, and an account
that is not active, is kept as account facts with a gap — never silently left out. Per
target the tasks are S3 (once) and, per region, DynamoDB, RDS, AWS Backup and CloudTrail;
per-resource reads they discover are follow-ups on the same pool. AWS Backup's answers
are applied to the account's stores last; the trails make the account's audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import boto3

from scanner.collectors.aws import (
    account,
    alerting,
    backup,
    backup_jobs,
    cloudtrail,
    dynamodb,
    kms,
    rds,
    s3,
    tagging,
)
from scanner.collectors.aws.api import AwsApi, AwsClients, ClientSettings
from scanner.collectors.aws.backup import RegionBackup
from scanner.collectors.aws.backup_jobs import RegionJobs
from scanner.collectors.aws.backup_merge import account_plans, apply_backup
from scanner.collectors.aws.context import AccountContext
from scanner.collectors.base import Collector, Target, Targets
from scanner.collectors.readonly import CallCounter, ReadOnlyGuard
from scanner.collectors.tasks import StoreResult, Task, TaskResult
from scanner.errors import CollectionError, InputError
from scanner.model import AccountFacts, AuditTrail, Gap, Principal
from scanner.vocabulary import Cloud

OPERATIONS = (
    account.OPERATIONS
    + dynamodb.OPERATIONS
    + s3.OPERATIONS
    + rds.OPERATIONS
    + backup.OPERATIONS
    + kms.OPERATIONS
    + tagging.OPERATIONS
    + cloudtrail.OPERATIONS
    + alerting.OPERATIONS
    + backup_jobs.OPERATIONS
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
        self._regions_of: dict[str, list[str]] = {}
        self._closed: dict[str, Gap | None] = {}
        self._org_request_id: str | None = None

    @property
    def home(self) -> str:
        """The region for global calls (identity, organisation, bucket listing)."""
        return self.scope.regions[0] if self.scope.regions else self.scope.identity_region

    def targets(self) -> Targets:
        """The caller's account, or the accounts to enter by role (entered only when their
        turn comes, so no account's temporary credentials age while others are read)."""
        self._caller_api = self.clients.add_account("caller")
        self._me = account.caller(self._caller_api, self.home)
        wanted, inactive = self._wanted_accounts()
        strangers = [a for a, _ in wanted if a != self._me.account]
        if strangers and not self.scope.role_name:
            raise InputError(
                f"--role-name is needed to read account {strangers[0]} (it is not the "
                f"caller's, {self._me.account})"
            )
        if [a for a, _ in wanted] == [self._me.account] and not self.scope.regions:
            self._caller_regions()  # fails now (exit 3), not after a long wait
        return Targets(
            reachable=[Target(a, self.scope.regions or (), name) for a, name in wanted],
            refused=[_not_active(a, self._org_request_id) for a in inactive],
        )

    def _wanted_accounts(self) -> tuple[list[tuple[str, str | None]], list[dict[str, Any]]]:
        """(account id, name) to read, and the organisation's accounts that are not active."""
        wanted = sorted(set(self.scope.accounts))
        if not self.scope.org:
            return [(a, None) for a in (wanted or [self._me.account])], []
        listed, self._org_request_id = account.organisation_accounts(self._caller_api, self.home)
        active = {str(a["Id"]): a.get("Name") for a in listed if account.is_active(a)}
        unknown = sorted(set(wanted) - set(active))
        if unknown:
            raise InputError(
                f"--accounts: {', '.join(unknown)} is not an active account of the organisation"
            )
        chosen = wanted or sorted(active)
        inactive = [a for a in listed if not account.is_active(a) and not wanted]
        return [(a, active[a]) for a in chosen], inactive

    def _caller_regions(self) -> list[str]:
        api = self.clients.add_account(self._me.account)
        regions, gap = account.enabled_regions(api, self.home)
        if gap:
            raise CollectionError(
                f"cannot list the account's enabled regions (ec2:DescribeRegions: "
                f"{gap.error_code}); pass --regions to name them"
            )
        self._regions_of[self._me.account] = regions
        return regions

    def _enter(self, target: Target) -> tuple[AccountContext | None, Gap | None]:
        """Enter ``target``'s account (the caller's own, or through the assumed role) and
        learn its regions; or the gap that kept it closed."""
        account_id, me = target.account, self._me
        if account_id == me.account:
            api = self.clients.add_account(account_id)
        else:
            role = f"arn:{me.partition}:iam::{account_id}:role/{self.scope.role_name}"
            credentials, gap = account.assume_role(
                self._caller_api, self.home, role, self.scope.external_id
            )
            if credentials is None:
                return None, gap
            api = self.clients.add_account(account_id, credentials)
        regions: Sequence[str] | None = target.regions or self._regions_of.get(account_id)
        if not regions:
            regions, gap = account.enabled_regions(api, self.home)
            if gap:
                return None, gap
        self._apis[account_id] = api
        return AccountContext(account_id, tuple(regions), me.partition), None

    def tasks(self, target: Target, now: datetime) -> list[Task]:
        """S3 once per account; DynamoDB, RDS, AWS Backup, CloudTrail and the alerting
        rules (EventBridge, CloudWatch) per region."""
        ctx, gap = self._enter(target)
        if ctx is None:
            self._closed[target.account] = gap
            return []
        self._contexts[target.account] = ctx
        api = self._apis[target.account]
        keys = kms.KeyResolver(api)
        tasks: list[Task] = [partial(s3.collect_account, api, keys, ctx)]
        for region in ctx.regions:
            tasks += [
                partial(dynamodb.collect_region, api, keys, ctx, region),
                partial(rds.collect_region, api, keys, ctx, region),
                partial(backup.collect_region, api, ctx, region, now),
                partial(backup_jobs.collect_region, api, region),
                partial(cloudtrail.collect_region, api, ctx, region),
                partial(alerting.collect_region, api, ctx, region),
            ]
        return tasks

    def finish(
        self, target: Target, results: list[TaskResult], now: datetime
    ) -> tuple[list[StoreResult], AccountFacts]:
        """Apply AWS Backup's answers to the account's stores; the account's facts (with
        the gap that kept it closed, if it could not be entered)."""
        if target.account in self._closed:
            return [], _refused(target.account, target.name, self._closed[target.account])
        ctx = self._contexts[target.account]
        items = [s for r in results for s in r.stores]
        facts = {f.region: f for r in results for f in r.facts if isinstance(f, RegionBackup)}
        jobs = {f.region: f for r in results for f in r.facts if isinstance(f, RegionJobs)}
        for item in items:
            apply_backup(item, facts, now)
            backup_jobs.apply_jobs(item, jobs, now)
        trails = [f for r in results for f in r.facts if isinstance(f, cloudtrail.RegionTrails)]
        alerts = [f for r in results for f in r.facts if isinstance(f, alerting.RegionAlerts)]
        return items, AccountFacts(
            cloud="aws",
            account=target.account,
            name=target.name,
            regions=sorted(ctx.regions),
            backup_plans=account_plans(facts, now),
            vaults=sorted((v for f in facts.values() for v in f.vaults), key=lambda v: v.id),
            audit_trail=AuditTrail(
                configs=[c for t in trails for c in t.configs],
                log_stores=None,  # where trail buckets keep logs, and how long: not read yet
                routes=[r for t in trails for r in t.routes],
            ),
            alert_rules=sorted((a for f in alerts for a in f.rules), key=lambda a: a.id),
            gaps=[g for r in results for g in r.gaps],
        )

    def principals(self) -> list[Principal]:
        """The caller's identity (its ARN), as STS returned it."""
        return [Principal(cloud="aws", account=self._me.account, principal=self._me.arn)]

    def release(self, target: Target) -> None:
        """Close the account's clients: memory stays flat however many accounts there are."""
        self.clients.forget(target.account)


def _not_active(listed: dict[str, Any], request_id: str | None) -> AccountFacts:
    """An organisation account that is not active (suspended, closing): listed, not read;
    the gap cites the listing's request ids."""
    state = str(listed.get("State", listed.get("Status")))
    gap = Gap(
        attribute="inventory",
        operation="organizations:ListAccounts",
        error_code=f"AccountState:{state}",
        cause="error",
        message=f"the account is {state} in the organisation, so it was not read",
        resource=str(listed["Id"]),
        request_id=request_id,
    )
    return AccountFacts(cloud="aws", account=str(listed["Id"]), name=listed.get("Name"), gaps=[gap])


def _refused(account_id: str, name: str | None, gap: Gap | None) -> AccountFacts:
    """An account that could not be entered: present, with the gap that says why."""
    gaps = [gap.model_copy(update={"resource": account_id})] if gap else []
    return AccountFacts(cloud="aws", account=account_id, name=name, gaps=gaps)
