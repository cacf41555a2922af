"""Azure region names: as the APIs write them, normalised, and their documented pairs.

Cosmos DB answers display names ("West Europe"), most other providers region names
("westeurope"); both become the name. A region's pair is where geo-redundant storage
(GRS, Cosmos DB's Geo backup redundancy, geo-redundant vaults) keeps its secondary
copy, per Azure's table of cross-region replication pairs. Regions without a pair, or
not in the table, have none here: their secondary stays unresolved, never guessed.
"""

from __future__ import annotations

from scanner.model import Copy, Evidence

_PAIRS = (
    ("eastus", "westus"),
    ("eastus2", "centralus"),
    ("northcentralus", "southcentralus"),
    ("westus2", "westcentralus"),
    ("westus3", "eastus"),
    ("canadacentral", "canadaeast"),
    ("brazilsouth", "southcentralus"),
    ("northeurope", "westeurope"),
    ("uksouth", "ukwest"),
    ("francecentral", "francesouth"),
    ("germanywestcentral", "germanynorth"),
    ("switzerlandnorth", "switzerlandwest"),
    ("norwayeast", "norwaywest"),
    ("swedencentral", "swedensouth"),
    ("eastasia", "southeastasia"),
    ("japaneast", "japanwest"),
    ("koreacentral", "koreasouth"),
    ("australiaeast", "australiasoutheast"),
    ("australiacentral", "australiacentral2"),
    ("centralindia", "southindia"),
    ("southafricanorth", "southafricawest"),
    ("uaenorth", "uaecentral"),
)
#: Each region's paired region; the first of each pair above is primary to the second,
#: and the second to the first except where a pairing is one-way (West US 3 → East US,
#: Brazil South → South Central US).
PAIRED: dict[str, str] = {a: b for a, b in _PAIRS} | {
    b: a
    for a, b in _PAIRS
    if (a, b) not in (("westus3", "eastus"), ("brazilsouth", "southcentralus"))
}


def region_name(location: object) -> str:
    """``"West Europe"`` or ``"westeurope"`` → ``"westeurope"``."""
    return "".join(str(location).split()).lower()


def paired_region(region: str | None) -> str | None:
    """The region's documented pair, or None when it has none, is not listed, or the
    region itself is unknown."""
    return PAIRED.get(region_name(region)) if region else None


def paired_copy(
    target: str, home: str | None, account: str, source: str, evidence: list[Evidence]
) -> Copy:
    """A copy geo-redundant storage keeps in the pair of ``home``: configured, since the
    setting is what is read, and not observable — no API shows the replicated copy, so
    no scan of the paired region could; unresolved where ``home`` has no known pair."""
    paired = paired_region(home)
    return Copy(
        kind="geo_secondary",
        target=target,
        region=paired,
        account=account,
        resolved=paired is not None,
        state="configured",
        observable=False,
        source=source,
        evidence=evidence,
    )
