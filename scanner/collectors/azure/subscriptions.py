"""The subscriptions to read when ``--subscriptions`` is not given: every subscription
the credential can list that is still active (``Enabled``, ``Warned``, ``PastDue``). If
none can be listed the collection cannot start (exit 3): an empty estate would look
clean."""

from __future__ import annotations

from scanner.collectors.azure.api import AzureApi
from scanner.collectors.http_routes import Route, route
from scanner.collectors.readonly import declare
from scanner.errors import CollectionError

OPERATIONS = declare("resources", {"ListSubscriptions": "Microsoft.Resources/subscriptions/read"})
ROUTES: tuple[Route, ...] = (route(OPERATIONS[0], "GET", r"/subscriptions"),)
ACTIVE = frozenset({"Enabled", "Warned", "PastDue"})


def active_subscriptions(api: AzureApi) -> tuple[str, ...]:
    """Every active subscription's id, in order; a refusal is a CollectionError."""
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    client = api.client(SubscriptionClient, None)
    listing = api.pages("resources", "ListSubscriptions", "inventory", client.subscriptions.list)
    if listing.gap is not None:
        raise CollectionError(
            f"cannot list the subscriptions ({listing.gap.error_code}: {listing.gap.message}); "
            "name them with --subscriptions"
        )
    return tuple(
        sorted(str(s["subscriptionId"]) for s in listing.items if s.get("state") in ACTIVE)
    )
