"""CloudTrail read with the real collector from moto: trails, whether they log, what
their basic and advanced selectors record and where they deliver — the account's audit
trail; a refused read is a gap, never an account without a trail."""

from __future__ import annotations

from scanner.emulator.aws.backup_fake import BackupFakeServer
from scanner.emulator.aws.server import EmulatedAws
from scanner.model import AuditTrail
from tests.aws.helpers import collect, seed_trails


def _trail(aws: EmulatedAws) -> tuple[AuditTrail, list[str]]:
    snapshot = collect(aws)
    [account] = snapshot.accounts
    assert account.audit_trail is not None
    return account.audit_trail, [g.operation for g in account.gaps]


def test_trails_give_what_is_recorded_where_and_whether_it_is_logging(aws: EmulatedAws) -> None:
    seed_trails(aws)
    trail, gaps = _trail(aws)
    assert gaps == []
    configs = {(c.service, tuple(c.regions or ["*"])): c.events for c in trail.configs or []}
    assert configs == {
        ("*", ("*",)): ["admin_read", "admin_write"],  # multi-region: every region
        ("arn:aws:s3:::records", ("*",)): ["data_read", "data_write"],
    }  # a key prefix covers part of a bucket only; the narrowed table selector claims none;
    # the single-region us-writes trail is not logging, so its selectors record nothing
    routes = {r.name: r for r in trail.routes or []}
    assert (routes["org-audit"].enabled, routes["org-audit"].destination) == (
        True,
        "arn:aws:s3:::nw-trail-logs",
    )
    assert (routes["us-writes"].enabled, routes["us-writes"].destination) == (
        False,
        "arn:aws:s3:::nw-trail-logs/us",
    )
    assert "NotStartsWith" in (routes["us-writes"].filter or "")
    assert trail.log_stores is None  # not read yet, and said so


def test_an_account_without_trails_has_an_empty_trail_read_in_every_region(
    aws: EmulatedAws,
) -> None:
    trail, gaps = _trail(aws)
    assert (trail.configs, trail.routes, gaps) == ([], [], [])


def test_a_refused_trail_listing_is_a_gap_per_region_not_an_account_without_a_trail(
    aws: EmulatedAws,
) -> None:
    seed_trails(aws)
    denier = BackupFakeServer().start()
    for region in ("eu-west-1", "us-east-1"):
        denier.state.fail(region, "*", "AccessDeniedException")
    try:
        snapshot = collect(aws, endpoints=aws.endpoints | {"cloudtrail": denier.url})
    finally:
        denier.stop()
    [account] = snapshot.accounts
    refused = [(g.operation, g.region, g.permission) for g in account.gaps]
    assert sorted(refused) == [
        ("cloudtrail:DescribeTrails", "eu-west-1", "cloudtrail:DescribeTrails"),
        ("cloudtrail:DescribeTrails", "us-east-1", "cloudtrail:DescribeTrails"),
    ]
    assert all(g.attribute == "audit_trail" for g in account.gaps)
