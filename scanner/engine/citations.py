"""A rule's citations, split by what the catalogs say: requirements that *require* what the
rule checks, and requirements it only *supports* (a catalog entry's ``supported_by``)."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.engine.rules import Rule, RulePack

Citations = tuple[dict[str, list[str]], dict[str, list[str]]]


def split_citations(rule: Rule, pack: RulePack, frameworks: Iterable[str]) -> Citations:
    """(required, supports): a rule's citations of the given frameworks, split by whether
    the catalog says the requirement requires what the rule checks or it only supports it."""
    required: dict[str, list[str]] = {}
    supports: dict[str, list[str]] = {}
    for framework in frameworks:
        catalog = pack.catalogs.get(framework)
        for requirement_id in rule.spec.citations.get(framework, []):
            entry = catalog.requirement(requirement_id) if catalog else None
            target = supports if entry and rule.id in entry.supported_by else required
            target.setdefault(framework, []).append(requirement_id)
    return required, supports
