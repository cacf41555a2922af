"""The projects to read when ``--projects`` is not given: every active project the
credentials can see (Resource Manager ``projects.search``). If none can be listed the
collection cannot start (exit 3): an empty estate would look clean."""

from __future__ import annotations

from functools import partial
from typing import Any

from scanner.collectors.gcp.api import GcpApi, as_json
from scanner.collectors.gcp.guard import Route, route
from scanner.collectors.readonly import declare
from scanner.errors import CollectionError

OPERATIONS = declare("cloudresourcemanager", {"SearchProjects": "resourcemanager.projects.get"})
ROUTES: tuple[Route, ...] = (route(OPERATIONS[0], "GET", r"/v3/projects:search"),)


def active_projects(api: GcpApi) -> tuple[str, ...]:
    """Every ACTIVE project's id, in order; a refusal is a CollectionError."""
    from google.cloud import resourcemanager_v3

    client = api.gapic(resourcemanager_v3.ProjectsClient)
    listing = api.pages(
        "cloudresourcemanager", "SearchProjects", "inventory", partial(_pages, client, api)
    )
    if listing.gap is not None:
        raise CollectionError(
            f"cannot list the projects ({listing.gap.error_code}: {listing.gap.message}); "
            "name them with --projects, or grant resourcemanager.projects.get"
        )
    found = [as_json(p) for p in listing.items]
    return tuple(sorted(str(p["projectId"]) for p in found if p.get("state") == "ACTIVE"))


def _pages(client: Any, api: GcpApi) -> Any:
    pager = client.search_projects(request={"query": "state:ACTIVE"}, retry=api.retry())
    return (page.projects for page in pager.pages)
