"""Seeding an emulated estate: moto (through boto3 writes) and the AWS Backup fake state.

This is the only code that writes; it talks to the emulator, never to a real account,
and uses plain clients without the collectors' read-only guard.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import boto3

from scanner.durations import parse_duration
from scanner.emulator.aws import backdate
from scanner.emulator.aws.backup_fake import BackupState
from scanner.emulator.aws.estate import (
    AwsEstate,
    BucketSpec,
    DatabaseSpec,
    OrganisationSpec,
    PlanSpec,
    PointsSpec,
    VaultSpec,
)
from scanner.emulator.aws.seed_jobs import resource_type, seed_jobs


class Seeder:
    """Writes an AwsEstate into moto (at ``endpoint``) and into a BackupState."""

    def __init__(
        self, session: boto3.Session, endpoint: str, estate: AwsEstate, now: datetime
    ) -> None:
        self._session, self._endpoint, self.estate, self.now = session, endpoint, estate, now
        self.keys: dict[str, str] = {}
        #: member account name → the id Organizations gave it
        self.members: dict[str, str] = {}

    def client(self, service: str, region: str) -> Any:
        """A plain (unguarded) client against the emulator."""
        return self._session.client(service, region_name=region, endpoint_url=self._endpoint)  # type: ignore[call-overload]

    def seed(self, backup: BackupState) -> None:
        """Create everything the estate describes."""
        for alias, region in sorted(self.estate.kms_keys.items()):
            kms = self.client("kms", region)
            key = kms.create_key(Description=alias)["KeyMetadata"]["Arn"]
            kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=key)
            self.keys[alias] = key
        for table in self.estate.dynamodb:
            self._table(table)
        for bucket in self.estate.s3:
            self._bucket(bucket)
        for bucket in self.estate.s3:
            if bucket.replication:
                self._replication(bucket)
        for db in self.estate.rds_instances:
            self._instance(db)
        for db in self.estate.rds_clusters:
            self._cluster(db)
        seed_backup(self.estate, backup, self.now, self.keys)
        if self.estate.organisation:
            self.members = self._organisation(self.estate.organisation, backup)

    def _organisation(self, org: OrganisationSpec, backup: BackupState) -> dict[str, str]:
        """Create the organisation and seed each member through a role in it (moto lets any
        role be assumed); members that do not trust the audit role are marked refusing."""
        home = self.estate.regions[0]
        orgs, sts = self.client("organizations", home), self.client("sts", home)
        orgs.create_organization(FeatureSet="ALL")
        members: dict[str, str] = {}
        for member in org.members:
            status = orgs.create_account(
                Email=f"{member.name}@example.com", AccountName=member.name
            )["CreateAccountStatus"]
            account = status["AccountId"]
            members[member.name] = account
            role = f"arn:aws:iam::{account}:role/{org.role_name}"
            credentials = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
            session = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=home,
            )
            fields = member.model_dump(exclude={"name", "trusts_audit_role", "closed"})
            estate = AwsEstate.model_validate(fields | {"regions": self.estate.regions})
            Seeder(
                session, self._endpoint, estate.model_copy(update={"account": account}), self.now
            ).seed(backup)
            if not member.trusts_audit_role:
                backup.accounts.refusing.add(account)
            if member.closed:
                orgs.close_account(AccountId=account)
        return members

    def _table(self, spec: Any) -> None:
        ddb = self.client("dynamodb", spec.region)
        extra: dict[str, Any] = {}
        if spec.kms_key:
            extra["SSESpecification"] = {
                "Enabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": self.keys[spec.kms_key],
            }
        ddb.create_table(
            TableName=spec.name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            DeletionProtectionEnabled=spec.deletion_protection,
            Tags=_tags(spec.tags),
            **extra,
        )
        if spec.pitr:
            pitr: dict[str, Any] = {"PointInTimeRecoveryEnabled": True}
            if spec.recovery_days:
                pitr["RecoveryPeriodInDays"] = spec.recovery_days
            ddb.update_continuous_backups(
                TableName=spec.name, PointInTimeRecoverySpecification=pitr
            )
        for n in range(spec.on_demand_backups):
            ddb.create_backup(TableName=spec.name, BackupName=f"{spec.name}-manual-{n}")
        created = self.now - parse_duration(spec.created)
        backdate.table(
            self.estate.account, spec.region, spec.name, created, self.now, spec.recovery_days
        )

    def _bucket(self, spec: BucketSpec) -> None:
        s3 = self.client("s3", spec.region)
        args: dict[str, Any] = {"Bucket": spec.name}
        if spec.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
        if spec.object_lock:
            args["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**args)
        if spec.versioning:
            s3.put_bucket_versioning(
                Bucket=spec.name, VersioningConfiguration={"Status": "Enabled"}
            )
        if spec.noncurrent_days:
            s3.put_bucket_lifecycle_configuration(
                Bucket=spec.name,
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": "expire-old-versions",
                            "Status": "Enabled",
                            "Filter": {"Prefix": ""},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": spec.noncurrent_days},
                        }
                    ]
                },
            )
        self._bucket_lock_and_key(s3, spec)
        if spec.tags:
            s3.put_bucket_tagging(Bucket=spec.name, Tagging={"TagSet": _tags(spec.tags)})
        backdate.bucket(self.estate.account, spec.name, self.now - parse_duration(spec.created))

    def _bucket_lock_and_key(self, s3: Any, spec: BucketSpec) -> None:
        if spec.object_lock:
            retention = {"Mode": spec.object_lock.mode, "Days": spec.object_lock.days}
            s3.put_object_lock_configuration(
                Bucket=spec.name,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": retention},
                },
            )
        if spec.kms_key:
            default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.keys[spec.kms_key]}
            s3.put_bucket_encryption(
                Bucket=spec.name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
                },
            )

    def _replication(self, spec: BucketSpec) -> None:
        assert spec.replication is not None
        destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{spec.replication.destination}"}
        if spec.replication.account:
            destination["Account"] = spec.replication.account
        self.client("s3", spec.region).put_bucket_replication(
            Bucket=spec.name,
            ReplicationConfiguration={
                "Role": f"arn:aws:iam::{self.estate.account}:role/s3-replication",
                "Rules": [
                    {
                        "ID": "dr-copy",
                        "Status": "Enabled",
                        "Priority": 1,
                        "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": destination,
                    }
                ],
            },
        )

    def _db_args(self, spec: DatabaseSpec) -> dict[str, Any]:
        args: dict[str, Any] = {
            "Engine": spec.engine,
            "MasterUsername": "admin",
            "MasterUserPassword": "not-a-secret-1",
            "BackupRetentionPeriod": spec.retention_days,
            "PreferredBackupWindow": spec.backup_window,
            "StorageEncrypted": spec.encrypted,
            "DeletionProtection": spec.deletion_protection,
            "Tags": _tags(spec.tags),
        }
        if spec.kms_key:
            args["KmsKeyId"] = self.keys[spec.kms_key]
        return args

    def _instance(self, spec: DatabaseSpec) -> None:
        rds = self.client("rds", spec.region)
        rds.create_db_instance(
            DBInstanceIdentifier=spec.id,
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            **self._db_args(spec),
        )
        for n in range(spec.manual_snapshots):
            rds.create_db_snapshot(
                DBInstanceIdentifier=spec.id, DBSnapshotIdentifier=f"{spec.id}-manual-{n}"
            )
        created = self.now - parse_duration(spec.created)
        backdate.instance(
            self.estate.account, spec.region, spec.id, created, self.now, spec.retention_days
        )

    def _cluster(self, spec: DatabaseSpec) -> None:
        rds = self.client("rds", spec.region)
        args = self._db_args(spec)
        if spec.global_cluster:
            existing = rds.describe_global_clusters()["GlobalClusters"]
            if spec.global_cluster not in {g["GlobalClusterIdentifier"] for g in existing}:
                rds.create_global_cluster(
                    GlobalClusterIdentifier=spec.global_cluster, Engine=spec.engine
                )
            args["GlobalClusterIdentifier"] = spec.global_cluster
        rds.create_db_cluster(DBClusterIdentifier=spec.id, **args)
        created = self.now - parse_duration(spec.created)
        backdate.cluster(
            self.estate.account, spec.region, spec.id, created, self.now, spec.retention_days
        )
        for n in range(spec.manual_snapshots):
            rds.create_db_cluster_snapshot(
                DBClusterIdentifier=spec.id, DBClusterSnapshotIdentifier=f"{spec.id}-manual-{n}"
            )


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def vault_arn(account: str, region: str, name: str) -> str:
    """The ARN AWS gives a backup vault."""
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def seed_backup(
    estate: AwsEstate, state: BackupState, now: datetime, keys: Mapping[str, str]
) -> None:
    """Write the estate's vaults, plans, selections and recovery points into the fake."""
    for vault in estate.backup.vaults:
        _vault(estate, state, now, keys, vault)
    for plan in estate.backup.plans:
        _plan(estate, state, now, plan)
    for points in estate.backup.recovery_points:
        _points(estate, state, now, points)
    seed_jobs(estate, state, now)


def _vault(
    estate: AwsEstate, state: BackupState, now: datetime, keys: Mapping[str, str], spec: VaultSpec
) -> None:
    arn = vault_arn(estate.account, spec.region, spec.name)
    key = (
        keys.get(spec.kms_key or "")
        or f"arn:aws:kms:{spec.region}:{estate.account}:key/{_uid(arn, 'key')}"
    )
    vault: dict[str, Any] = {
        "BackupVaultName": spec.name,
        "BackupVaultArn": arn,
        "VaultType": "BACKUP_VAULT",
        "VaultState": "AVAILABLE",
        "CreationDate": now - timedelta(days=400),
        "EncryptionKeyArn": key,
        "EncryptionKeyType": "CUSTOMER_MANAGED_KMS_KEY" if spec.kms_key else "AWS_OWNED_KMS_KEY",
        "CreatorRequestId": _uid(arn),
        "Locked": spec.lock != "none",
    }
    if spec.lock != "none":
        vault.update(
            MinRetentionDays=spec.min_retention_days, MaxRetentionDays=spec.max_retention_days
        )
    if spec.lock == "compliance":
        vault["LockDate"] = now - timedelta(days=30)
    state.region(spec.region, estate.account).vaults[spec.name] = vault
    if spec.deny_delete:
        state.region(spec.region, estate.account).policies[spec.name] = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": [
                            "backup:DeleteRecoveryPoint",
                            "backup:UpdateRecoveryPointLifecycle",
                        ],
                        "Resource": "*",
                    }
                ],
            }
        )


def _plan(estate: AwsEstate, state: BackupState, now: datetime, spec: PlanSpec) -> None:
    plan_id = _uid(estate.account, spec.region, spec.name)
    rules = [
        {
            "RuleName": r.name,
            "TargetBackupVaultName": r.vault,
            "ScheduleExpression": r.schedule,
            "ScheduleExpressionTimezone": r.timezone or "Etc/UTC",
            "StartWindowMinutes": r.start_window_minutes,
            "CompletionWindowMinutes": 10080,
            "RuleId": _uid(plan_id, r.name),
            "Lifecycle": {}
            if r.delete_after_days is None
            else {"DeleteAfterDays": r.delete_after_days},
            "CopyActions": [
                {
                    "DestinationBackupVaultArn": estate.arn(t),
                    "Lifecycle": {"DeleteAfterDays": r.delete_after_days or 35},
                }
                for t in r.copy_to
            ],
            "EnableContinuousBackup": r.continuous,
        }
        for r in spec.rules
    ]
    st = state.region(spec.region, estate.account)
    st.plans[plan_id] = {
        "BackupPlan": {"BackupPlanName": spec.name, "Rules": rules, "AdvancedBackupSettings": []},
        "BackupPlanId": plan_id,
        "VersionId": _uid(plan_id, "v1"),
        "BackupPlanArn": f"arn:aws:backup:{spec.region}:{estate.account}:backup-plan:{plan_id}",
        "CreationDate": now - timedelta(days=200),
        "LastExecutionDate": now - timedelta(hours=3),
    }
    for sel in spec.selections:
        sid = _uid(plan_id, sel.name)
        st.selections[plan_id][sid] = {
            "SelectionId": sid,
            "BackupPlanId": plan_id,
            "CreationDate": now - timedelta(days=200),
            "CreatorRequestId": sid,
            "BackupSelection": _selection(estate, sel),
        }


def _selection(estate: AwsEstate, sel: Any) -> dict[str, Any]:
    conditions: dict[str, list[dict[str, str]]] = {
        k: [] for k in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")
    }
    for kind, pairs in sel.conditions.items():
        conditions[kind] = [
            {"ConditionKey": f"aws:ResourceTag/{k}", "ConditionValue": v}
            for k, v in sorted(pairs.items())
        ]
    return {
        "SelectionName": sel.name,
        "IamRoleArn": f"arn:aws:iam::{estate.account}:role/backup",
        "Resources": [estate.arn(r) for r in sel.resources],
        "NotResources": [estate.arn(r) for r in sel.not_resources],
        "ListOfTags": [
            {"ConditionType": "STRINGEQUALS", "ConditionKey": k, "ConditionValue": v}
            for k, v in sorted(sel.tags.items())
        ],
        "Conditions": conditions,
    }


def _points(estate: AwsEstate, state: BackupState, now: datetime, spec: PointsSpec) -> None:
    resource = estate.arn(spec.resource)
    rtype = resource_type(resource)
    arn = vault_arn(estate.account, spec.region, spec.vault)
    vault = state.region(spec.region, estate.account).vaults[spec.vault]
    for n in range(spec.count):
        created = now - parse_duration(spec.newest) - n * parse_duration(spec.every)
        point: dict[str, Any] = {
            "RecoveryPointArn": f"arn:aws:backup:{spec.region}:{estate.account}:recovery-point:"
            + _uid(arn, resource, str(n)),
            "BackupVaultName": spec.vault,
            "BackupVaultArn": arn,
            "ResourceArn": resource,
            "ResourceType": rtype,
            "ResourceName": resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
            "IamRoleArn": f"arn:aws:iam::{estate.account}:role/backup",
            "Status": "COMPLETED",
            "CreationDate": created,
            "InitiationDate": created,
            "CompletionDate": created + timedelta(minutes=12),
            "BackupSizeInBytes": 1048576,
            "IsEncrypted": True,
            "EncryptionKeyArn": vault["EncryptionKeyArn"],
            "EncryptionKeyType": vault["EncryptionKeyType"],
            "VaultType": "BACKUP_VAULT",
            "IsParent": False,
        }
        if spec.delete_after_days is not None:
            point["Lifecycle"] = {"DeleteAfterDays": spec.delete_after_days}
            point["CalculatedLifecycle"] = {
                "DeleteAt": created + timedelta(days=spec.delete_after_days)
            }
        if spec.copy_of:
            point["SourceBackupVaultArn"] = estate.arn(spec.copy_of)
        state.region(spec.region, estate.account).points[spec.vault].append(point)
