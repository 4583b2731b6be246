"""pulumi_gcp (token package `gcp`): project-scoped ids, self links and client config.

Small on purpose until the GCP target exists: ids and `selfLink`s in GCP's format for every
resource, the resource's `project` and `name`, and the functions a GCP program calls first
(client config, zones). Everything else echoes its inputs; unknown functions raise.
"""

from __future__ import annotations

from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex

DEFAULT_PROJECT = "forge-offline-plan"
"""The GCP project id the offline plan deploys to."""


def _collection(type_token: str) -> str:
    """`gcp:compute/network:Network` -> `networks` (the REST collection, roughly)."""
    kind = type_token.rsplit(":", 1)[-1]
    return kind[0].lower() + kind[1:] + "s"


class GcpMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the Google Cloud provider."""

    package = "gcp"

    def __init__(self, context: MockContext, project: str = DEFAULT_PROJECT) -> None:
        super().__init__(context)
        self.project = project
        self.functions.update({
            "gcp:organizations/getClientConfig:getClientConfig": self._client_config,
            "gcp:compute/getZones:getZones": self._zones,
        })

    def _name(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        value = inputs.get("name")
        return value if isinstance(value, str) and value else (
            f"{name}-{stable_hex(type_token, name, length=7)}")

    def resource_id(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """`projects/<project>/<collection>/<name>`, the form GCP's ids take."""
        project = inputs.get("project") or self.project
        own = self._name(type_token, name, inputs)
        return f"projects/{project}/{_collection(type_token)}/{own}"

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Echo the inputs, with the provider's `project`, `name` and `selfLink`."""
        resource_id, outputs = super().new_resource(type_token, name, inputs)
        outputs.setdefault("project", self.project)
        outputs.setdefault("name", self._name(type_token, name, inputs))
        service = type_token.split(":")[1].split("/")[0]
        outputs.setdefault("selfLink", f"https://www.googleapis.com/{service}/v1/{resource_id}")
        return resource_id, outputs

    def _client_config(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"project": self.project, "region": self.context.region,
                "zone": f"{self.context.region}-a", "accessToken": "offline-plan",
                "id": self.project}

    def _zones(self, args: dict[str, Any]) -> dict[str, Any]:
        region = str(args.get("region") or self.context.region)
        return {"names": [f"{region}-{zone}" for zone in "abc"], "region": region,
                "project": self.project, "id": f"projects/{self.project}/regions/{region}"}
