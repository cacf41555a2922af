"""A client for Azure Monitor diagnostic settings, which azure-mgmt-monitor 7 no longer
has (its 6.x releases had ``diagnostic_settings``; 7.0 dropped the group).

It sends the documented read (``GET {resourceUri}/providers/Microsoft.Insights/
diagnosticSettings?api-version=2021-05-01-preview``) through azure-mgmt-core's
``ARMPipelineClient`` with the same policies the generated clients use — retries with
``Retry-After``, ARM authentication, and the ``raw_request_hook`` that is the read-only
guard — so it is made and guarded like every other client (``AzureApi.client``).
Decision 47.
"""

from __future__ import annotations

from typing import Any

from scanner.collectors.azure.api import ARM_SCOPE

API_VERSION = "2021-05-01-preview"


class DiagnosticSettingsClient:
    """Lists the diagnostic settings of one resource (or of a subscription's activity
    log, for ``/subscriptions/S``) as ARM JSON."""

    def __init__(
        self,
        credential: Any,
        subscription: str,
        *,
        raw_request_hook: Any,
        base_url: str = "https://management.azure.com",
        authentication_policy: Any = None,
        **retry: Any,
    ) -> None:
        from azure.core.pipeline import policies
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

        self.subscription = subscription
        authentication = authentication_policy or ARMChallengeAuthenticationPolicy(
            credential, ARM_SCOPE
        )
        self._pipeline: Any = ARMPipelineClient(
            base_url,
            policies=[
                policies.RequestIdPolicy(),
                policies.HeadersPolicy(),
                policies.UserAgentPolicy(sdk_moniker="backup-audit"),
                policies.ContentDecodePolicy(),
                policies.RetryPolicy(**retry),
                authentication,
                policies.CustomHookPolicy(raw_request_hook=raw_request_hook),
                ARMHttpLoggingPolicy(),
            ],
        )

    def list(self, resource_uri: str) -> dict[str, Any]:
        """The ``{"value": [...]}`` answer for ``resource_uri``; an error answer raises
        azure-core's ``HttpResponseError`` with ARM's error code, as generated clients do."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        request = HttpRequest(
            "GET",
            f"{resource_uri}/providers/Microsoft.Insights/diagnosticSettings",
            params={"api-version": API_VERSION},
            headers={"Accept": "application/json"},
        )
        request.url = self._pipeline.format_url(request.url)
        response = self._pipeline.send_request(request)
        if response.status_code != 200:
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        answer: dict[str, Any] = response.json()
        return answer
