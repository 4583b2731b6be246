"""pulumi_azure_native (token package `azure-native`): ARM ids and the client configuration.

Small on purpose until the Azure target exists: every resource gets an Azure Resource Manager
id in its resource group (`/subscriptions/<sub>/resourceGroups/<rg>/providers/<namespace>/
<type>/<name>`) and its `name`; the client-config function answers. Everything else echoes its
inputs; unknown functions raise.
"""

from __future__ import annotations

from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT_ID = "11111111-1111-1111-1111-111111111111"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"


class AzureNativeMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the Azure Native provider."""

    package = "azure-native"

    def __init__(self, context: MockContext,
                 subscription_id: str = DEFAULT_SUBSCRIPTION_ID) -> None:
        super().__init__(context)
        self.subscription_id = subscription_id
        self.functions["azure-native:authorization:getClientConfig"] = self._client_config

    def _name(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        keys = ("resourceGroupName",) if type_token == RESOURCE_GROUP else ()
        for key in (*keys, "resourceName", "name"):
            value = inputs.get(key)
            if isinstance(value, str) and value:
                return value
        return f"{name}{stable_hex(type_token, name, length=8)}"

    def resource_id(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """The ARM id; the provider namespace and type are derived from the token."""
        own = self._name(type_token, name, inputs)
        base = f"/subscriptions/{self.subscription_id}/resourceGroups"
        if type_token == RESOURCE_GROUP:
            return f"{base}/{own}"
        module, kind = type_token.split(":")[1:]
        group = inputs.get("resourceGroupName") or "unknown"
        collection = kind[0].lower() + kind[1:] + "s"
        return f"{base}/{group}/providers/Microsoft.{module.capitalize()}/{collection}/{own}"

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Echo the inputs, with the ARM `name` and the location."""
        resource_id, outputs = super().new_resource(type_token, name, inputs)
        outputs.setdefault("name", self._name(type_token, name, inputs))
        outputs.setdefault("location", inputs.get("location") or self.context.region)
        return resource_id, outputs

    def _client_config(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"clientId": "22222222-2222-2222-2222-222222222222",
                "objectId": "33333333-3333-3333-3333-333333333333",
                "subscriptionId": self.subscription_id, "tenantId": DEFAULT_TENANT_ID}
