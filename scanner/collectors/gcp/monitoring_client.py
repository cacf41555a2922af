"""Cloud Monitoring v3 over JSON/HTTP with google-cloud-core's public client classes.

google-cloud-monitoring (2.32) generates gRPC transports only for its v3 services, and
our guard and fake speak REST (decisions 43 and 45). So the two documented reads
(``GET /v3/projects/P/alertPolicies``, ``GET /v3/projects/P/notificationChannels``) go
through a :class:`google.cloud._http.JSONConnection` — the connection Cloud Logging's
handwritten client is built on — owned by a :class:`google.cloud.client.ClientWithProject`,
which gives the credentials, the user agent and the error mapping of the SDK, and whose
``requests`` session the guard wraps like every other client's.
"""

from __future__ import annotations

from typing import Any

from google.cloud._http import JSONConnection
from google.cloud.client import ClientWithProject

DEFAULT_ENDPOINT = "https://monitoring.googleapis.com"


class MonitoringConnection(JSONConnection):
    """The JSON connection to Cloud Monitoring v3."""

    API_VERSION = "v3"
    API_URL_TEMPLATE = "{api_base_url}/{api_version}{path}"

    def __init__(self, client: Any, api_endpoint: str) -> None:
        super().__init__(client)  # type: ignore[no-untyped-call]
        self.API_BASE_URL = api_endpoint


class MonitoringClient(ClientWithProject):
    """A project's Cloud Monitoring client, read-only scope."""

    SCOPE = ("https://www.googleapis.com/auth/monitoring.read",)

    def __init__(self, project: str, credentials: Any, endpoint: str | None) -> None:
        super().__init__(project=project, credentials=credentials)  # type: ignore[no-untyped-call]
        self._connection = MonitoringConnection(self, endpoint or DEFAULT_ENDPOINT)
