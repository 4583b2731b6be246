"""pulumi_gcp (token package `gcp`): ids, self links, connection names and private IPs.

Every resource gets the id pulumi-gcp gives it (the resource's REST path, or the provider's own
composite id where it has one), its `project`, its `name` (the provider auto-names a resource
whose `name` is unset) and a `selfLink` where the API returns one. The types the GCP components
use get the outputs later resources consume:

* compute: networks, subnetworks (gateway address), global addresses, routers, Cloud NAT,
  firewall rules;
* Service Networking's peering (Private Service Access): its id and peering name; the mocks
  remember each network's allocated ranges, and a Cloud SQL instance on that network gets its
  private IP inside them, as Google allocates it;
* Cloud SQL instances (connection name `project:region:instance`, private IP, server CA),
  databases and users;
* Memorystore for Redis instances (host in the peered range, port, AUTH string, server CA);
* Managed Service for Apache Kafka clusters (resource name, SASL bootstrap address), project
  IAM members, service accounts (email, member), internal addresses (inside their subnet's
  range), disks and instances;
* Secret Manager secrets and versions (resource names under the project number);
* Cloud Storage buckets (`gs://` URL), the project's Cloud Storage service agent, Cloud KMS
  key rings and keys, and IAM members (`<resource> <role> <member>` ids);
* the entry point: a global external address (a 34.x IPv4), serverless NEGs, backend services,
  URL maps, proxies, SSL and Cloud Armor policies, forwarding rules (compute self links),
  Certificate Manager certificates, maps, entries and DNS authorizations (with the CNAME
  record they ask for), Cloud DNS record sets;
* billing budgets (`billingAccounts/<account>/budgets/<uuid>`) and Cloud Monitoring
  notification channels (`projects/<project>/notificationChannels/<number>`).

What they do not prove: that Google accepts the request (quotas, tiers in a region, a range
already in use), only the format of what it would return. Unknown functions raise.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex

DEFAULT_PROJECT = "forge-offline-plan"
"""The GCP project id the offline plan deploys to."""
DEFAULT_PROJECT_NUMBER = "123456789012"
"""That project's number (Secret Manager names secrets by project number)."""
COMPUTE = "https://www.googleapis.com/compute/v1"
SQLADMIN = "https://sqladmin.googleapis.com/sql/v1beta4"
STORAGE = "https://www.googleapis.com/storage/v1"

#: Where each type's id lives, by token: `{project}`, `{region}` (the resource's own region
#: or location input, else the stack's), `{name}`, or another input in camelCase.
_ID_TEMPLATES: dict[str, str] = {
    "gcp:compute/network:Network": "projects/{project}/global/networks/{name}",
    "gcp:compute/subnetwork:Subnetwork": "projects/{project}/regions/{region}/subnetworks/{name}",
    "gcp:compute/globalAddress:GlobalAddress": "projects/{project}/global/addresses/{name}",
    "gcp:compute/router:Router": "projects/{project}/regions/{region}/routers/{name}",
    "gcp:compute/routerNat:RouterNat": "{project}/{region}/{router}/{name}",
    "gcp:compute/firewall:Firewall": "projects/{project}/global/firewalls/{name}",
    "gcp:sql/databaseInstance:DatabaseInstance": "{name}",
    "gcp:sql/database:Database": "projects/{project}/instances/{instance}/databases/{name}",
    "gcp:sql/user:User": "{name}//{instance}",
    "gcp:secretmanager/secret:Secret": "projects/{project}/secrets/{secretId}",
    "gcp:storage/bucket:Bucket": "{name}",
    "gcp:kms/keyRing:KeyRing": "projects/{project}/locations/{location}/keyRings/{name}",
    "gcp:kms/cryptoKey:CryptoKey": "{keyRing}/cryptoKeys/{name}",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "{secretId} {role} {member}",
    "gcp:storage/bucketIAMMember:BucketIAMMember": "b/{bucket} {role} {member}",
    # The provider's id of a transfer job: "<project>/<job number>" (pulumi_gcp 10.2
    # `storage.TransferJob` import form); its `name` is "transferJobs/<job number>".
    "gcp:storage/transferJob:TransferJob": "{project}/{job}",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": "{cryptoKeyId} {role} {member}",
    "gcp:redis/instance:Instance": "projects/{project}/locations/{region}/instances/{name}",
    "gcp:servicenetworking/connection:Connection": "{network}:{service}",
    # Compute (Cloud Run, service accounts, project grants)
    "gcp:serviceaccount/account:Account": "projects/{project}/serviceAccounts/{email}",
    "gcp:cloudrunv2/service:Service": "projects/{project}/locations/{region}/services/{name}",
    "gcp:cloudrunv2/workerPool:WorkerPool":
        "projects/{project}/locations/{region}/workerPools/{name}",
    "gcp:cloudrunv2/job:Job": "projects/{project}/locations/{region}/jobs/{name}",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember":
        "projects/{project}/locations/{region}/services/{name} {role} {member}",
    "gcp:projects/iAMMember:IAMMember": "{project} {role} {member}",
    # Streaming (Managed Kafka, Redpanda on Compute Engine)
    "gcp:managedkafka/cluster:Cluster":
        "projects/{project}/locations/{location}/clusters/{clusterId}",
    "gcp:compute/address:Address": "projects/{project}/regions/{region}/addresses/{name}",
    "gcp:compute/disk:Disk": "projects/{project}/zones/{zone}/disks/{name}",
    "gcp:compute/instance:Instance": "projects/{project}/zones/{zone}/instances/{name}",
    # -- the entry point (Cdn) and the budget -------------------------------------------------
    "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup":
        "projects/{project}/regions/{region}/networkEndpointGroups/{name}",
    "gcp:compute/backendService:BackendService": "projects/{project}/global/backendServices/{name}",
    "gcp:compute/uRLMap:URLMap": "projects/{project}/global/urlMaps/{name}",
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy":
        "projects/{project}/global/targetHttpsProxies/{name}",
    "gcp:compute/targetHttpProxy:TargetHttpProxy":
        "projects/{project}/global/targetHttpProxies/{name}",
    "gcp:compute/sSLPolicy:SSLPolicy": "projects/{project}/global/sslPolicies/{name}",
    "gcp:compute/globalForwardingRule:GlobalForwardingRule":
        "projects/{project}/global/forwardingRules/{name}",
    "gcp:compute/securityPolicy:SecurityPolicy":
        "projects/{project}/global/securityPolicies/{name}",
    "gcp:certificatemanager/certificate:Certificate":
        "projects/{project}/locations/{location}/certificates/{name}",
    "gcp:certificatemanager/dnsAuthorization:DnsAuthorization":
        "projects/{project}/locations/{location}/dnsAuthorizations/{name}",
    "gcp:certificatemanager/certificateMap:CertificateMap":
        "projects/{project}/locations/global/certificateMaps/{name}",
    "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry":
        "projects/{project}/locations/global/certificateMaps/{map}/certificateMapEntries/{name}",
    "gcp:dns/recordSet:RecordSet":
        "projects/{project}/managedZones/{managedZone}/rrsets/{name}/{type}",
    "gcp:billing/budget:Budget": "billingAccounts/{billingAccount}/budgets/{budgetId}",
    "gcp:monitoring/notificationChannel:NotificationChannel":
        "projects/{project}/notificationChannels/{channelId}",
}
#: The types whose ids the mocks give in the provider's own format (any other type gets a
#: generic `projects/<project>/<kind>s/<name>`).
KNOWN_TYPES: frozenset[str] = frozenset(
    {*_ID_TEMPLATES, "gcp:secretmanager/secretVersion:SecretVersion"})
#: Types whose API resource has a compute self link equal to `COMPUTE/<id>`.
_COMPUTE_SELF_LINKED = frozenset({
    "gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork",
    "gcp:compute/globalAddress:GlobalAddress", "gcp:compute/router:Router",
    "gcp:compute/firewall:Firewall", "gcp:compute/address:Address",
    "gcp:compute/disk:Disk", "gcp:compute/instance:Instance",
    "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
    "gcp:compute/backendService:BackendService", "gcp:compute/uRLMap:URLMap",
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy", "gcp:compute/targetHttpProxy:TargetHttpProxy",
    "gcp:compute/sSLPolicy:SSLPolicy", "gcp:compute/globalForwardingRule:GlobalForwardingRule",
    "gcp:compute/securityPolicy:SecurityPolicy"})


def _uuid(hex32: str) -> str:
    """32 hex digits in the 8-4-4-4-12 form of a UUID."""
    return "-".join((hex32[:8], hex32[8:12], hex32[12:16], hex32[16:20], hex32[20:32]))


def _network_key(network: object) -> str:
    """A network reference (id, self link or name) -> its name."""
    return str(network or "").rstrip("/").rsplit("/", 1)[-1]


class GcpMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the Google Cloud provider."""

    package = "gcp"

    def __init__(self, context: MockContext, project: str = DEFAULT_PROJECT) -> None:
        super().__init__(context)
        self.project = project
        self.project_number = DEFAULT_PROJECT_NUMBER
        #: Private Service Access ranges allocated per network name (GlobalAddress VPC_PEERING).
        self._peering_ranges: dict[str, list[ipaddress.IPv4Network]] = {}
        self.functions.update({
            "gcp:organizations/getClientConfig:getClientConfig": self._client_config,
            "gcp:organizations/getProject:getProject": self._project,
            "gcp:compute/getZones:getZones": self._zones,
            "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
                self._storage_service_agent,
            "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount":
                self._transfer_service_agent,
        })
        self.resources.update({
            "gcp:compute/subnetwork:Subnetwork": self._subnetwork,
            "gcp:compute/globalAddress:GlobalAddress": self._global_address,
            "gcp:servicenetworking/connection:Connection": self._peering,
            "gcp:sql/databaseInstance:DatabaseInstance": self._sql_instance,
            "gcp:sql/database:Database": self._sql_database,
            "gcp:secretmanager/secret:Secret": self._secret,
            "gcp:secretmanager/secretVersion:SecretVersion": self._secret_version,
            "gcp:storage/bucket:Bucket": self._bucket,
            "gcp:redis/instance:Instance": self._redis_instance,
            # Compute
            "gcp:serviceaccount/account:Account": self._service_account,
            "gcp:cloudrunv2/service:Service": self._cloud_run_service,
            "gcp:cloudrunv2/workerPool:WorkerPool": self._cloud_run_resource,
            "gcp:cloudrunv2/job:Job": self._cloud_run_resource,
            "gcp:managedkafka/cluster:Cluster": self._kafka_cluster,
            "gcp:compute/address:Address": self._address,
            "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": self._dns_authorization,
            "gcp:billing/budget:Budget": self._budget,
            "gcp:storage/transferJob:TransferJob": self._transfer_job,
            "gcp:monitoring/notificationChannel:NotificationChannel": self._notification_channel,
        })
        #: Subnet ranges by subnet name, and the internal addresses taken in each.
        self._subnet_ranges: dict[str, ipaddress.IPv4Network] = {}
        self._taken: dict[str, set[str]] = {}

    # -- names and ids ------------------------------------------------------------------------

    def _name(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """The `name` input, or the provider's auto-name: the logical name and 7 hex digits."""
        value = inputs.get("name")
        return value if isinstance(value, str) and value else (
            f"{name}-{stable_hex(type_token, name, length=7)}")

    def _region(self, inputs: dict[str, Any]) -> str:
        return str(inputs.get("region") or inputs.get("location") or self.context.region)

    def resource_id(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """The id pulumi-gcp gives the type (its REST path or composite id)."""
        project = str(inputs.get("project") or self.project)
        own = self._name(type_token, name, inputs)
        template = _ID_TEMPLATES.get(type_token)
        if template is None:
            kind = type_token.rsplit(":", 1)[-1]
            return f"projects/{project}/{kind[0].lower() + kind[1:]}s/{own}"
        if type_token == "gcp:secretmanager/secretVersion:SecretVersion":
            return str(self._secret_version(name, inputs, "")["name"])
        values = {key: str(value) for key, value in inputs.items() if isinstance(value, str)}
        values |= {"project": project, "region": self._region(inputs), "name": own}
        if type_token == "gcp:secretmanager/secret:Secret":
            values["secretId"] = str(inputs.get("secretId") or own)
        if type_token == "gcp:serviceaccount/account:Account":
            values["email"] = self._service_account_email(name, inputs)
        values.setdefault("location", "global")
        # Server-assigned ids: a budget's UUID, a notification channel's number.
        values["budgetId"] = _uuid(stable_hex(type_token, name, length=32))
        values["channelId"] = str(int(stable_hex(type_token, name, length=15), 16))
        values["job"] = str(int(stable_hex(type_token, name, length=15), 16))
        return template.format_map(values)

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Echo the inputs, with the provider's `project`, `name`, `selfLink` and outputs."""
        resource_id, outputs = super().new_resource(type_token, name, inputs)
        outputs.setdefault("project", self.project)
        outputs.setdefault("name", self._name(type_token, name, inputs))
        if type_token in _COMPUTE_SELF_LINKED:
            outputs.setdefault("selfLink", f"{COMPUTE}/{resource_id}")
        return resource_id, outputs

    # -- compute and Private Service Access ---------------------------------------------------

    def _subnetwork(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        cidr = ipaddress.IPv4Network(str(inputs.get("ipCidrRange") or "10.0.0.0/24"))
        own = self._name("gcp:compute/subnetwork:Subnetwork", name, inputs)
        self._subnet_ranges[own] = cidr
        return {"gatewayAddress": str(cidr.network_address + 1)}

    def _address(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """An INTERNAL address in its subnet's range, as Google reserves one (distinct within
        the subnet; the first two addresses are the network's and the gateway's)."""
        if inputs.get("address"):
            return {}
        subnet = _network_key(inputs.get("subnetwork"))
        block = self._subnet_ranges.get(subnet, ipaddress.IPv4Network("10.0.0.0/24"))
        taken = self._taken.setdefault(subnet, set())
        offset = 2 + int(stable_hex("address", subnet, name, length=8), 16) % (
            block.num_addresses - 4)
        while str(block.network_address + offset) in taken:
            offset = 2 + (offset - 1) % (block.num_addresses - 4)
        address = str(block.network_address + offset)
        taken.add(address)
        return {"address": address}

    def _global_address(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        if inputs.get("addressType", "EXTERNAL") == "EXTERNAL" and not inputs.get("purpose"):
            # A global external IPv4 address, as Google allocates them (34.x or 35.x).
            return {"address": "34.{}.{}.{}".format(
                *(int(stable_hex("global-address", name, part, length=2), 16) for part in "abc"))}
        if inputs.get("purpose") == "VPC_PEERING" and inputs.get("address"):
            network = ipaddress.IPv4Network(
                f"{inputs['address']}/{int(inputs.get('prefixLength', 16))}")
            self._peering_ranges.setdefault(_network_key(inputs.get("network")), []).append(
                network)
        return {}

    def _peering(self, _name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        # The peering Service Networking creates is named after the service.
        service = str(inputs.get("service") or "servicenetworking.googleapis.com")
        return {"peering": service.replace(".", "-")}

    def _private_ip(self, network: object, seed: str) -> str:
        """An address inside the network's Private Service Access range (or 10.x if none)."""
        ranges = self._peering_ranges.get(_network_key(network)) or [
            ipaddress.IPv4Network("10.0.0.0/8")]
        block = ranges[0]
        offset = 2 + int(stable_hex(seed, length=8), 16) % (block.num_addresses - 4)
        return str(block.network_address + offset)

    # -- Cloud SQL --------------------------------------------------------------------------

    def _sql_instance(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        own = self._name("gcp:sql/databaseInstance:DatabaseInstance", name, inputs)
        region = self._region(inputs)
        settings = inputs.get("settings") or {}
        ip_configuration = settings.get("ipConfiguration") or {}
        addresses: list[dict[str, str]] = []
        private_ip = ""
        if ip_configuration.get("privateNetwork"):
            private_ip = self._private_ip(ip_configuration["privateNetwork"], own)
            addresses.append({"type": "PRIVATE", "ipAddress": private_ip, "timeToRetire": ""})
        public_ip = ""
        if ip_configuration.get("ipv4Enabled", True):
            public_ip = "34.{}.{}.{}".format(
                *(int(stable_hex(own, part, length=2), 16) for part in "abc"))
            addresses.append({"type": "PRIMARY", "ipAddress": public_ip, "timeToRetire": ""})
        return {
            "connectionName": f"{self.project}:{region}:{own}",
            "privateIpAddress": private_ip,
            "publicIpAddress": public_ip,
            "ipAddresses": addresses,
            "firstIpAddress": addresses[0]["ipAddress"] if addresses else "",
            "selfLink": f"{SQLADMIN}/projects/{self.project}/instances/{own}",
            "serviceAccountEmailAddress":
                f"p{self.project_number}-{stable_hex(own, length=6)}"
                "@gcp-sa-cloud-sql.iam.gserviceaccount.com",
            "serverCaCerts": [{
                "cert": "-----BEGIN CERTIFICATE-----offline-----END CERTIFICATE-----",
                "commonName": "C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA",
                "sha1Fingerprint": stable_hex(own, "ca", length=40)}],
            "dnsName": "",
            "region": region,
        }

    def _sql_database(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        own = self._name("gcp:sql/database:Database", name, inputs)
        return {"selfLink": f"{SQLADMIN}/projects/{self.project}/instances/"
                            f"{inputs.get('instance', '')}/databases/{own}"}

    # -- Memorystore for Redis --------------------------------------------------------------

    def _redis_instance(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """The primary endpoint inside the peered range; AUTH string and CA when enabled.

        The port is the mocks' assumption for a TLS instance (6378; 6379 without TLS): the
        component always reads the port the instance reports, never a constant.
        """
        own = self._name("gcp:redis/instance:Instance", name, inputs)
        region = self._region(inputs)
        tls = inputs.get("transitEncryptionMode") == "SERVER_AUTHENTICATION"
        host = self._private_ip(inputs.get("authorizedNetwork"), f"redis/{own}")
        block = ipaddress.IPv4Network(f"{host}/29", strict=False)
        outputs: dict[str, Any] = {
            "host": host,
            "port": 6378 if tls else 6379,
            "reservedIpRange": str(block),
            "currentLocationId": str(inputs.get("locationId") or f"{region}-b"),
            "readEndpoint": "",
            "authString": stable_hex("auth", own, length=36) if inputs.get("authEnabled") else "",
            "serverCaCerts": [{
                "cert": "-----BEGIN CERTIFICATE-----offline-----END CERTIFICATE-----",
                "serialNumber": stable_hex(own, "serial", length=8),
                "sha1Fingerprint": stable_hex(own, "ca", length=40)}] if tls else [],
        }
        return outputs

    # -- Compute: service accounts and Cloud Run --------------------------------------------

    def _service_account_email(self, name: str, inputs: dict[str, Any]) -> str:
        project = str(inputs.get("project") or self.project)
        return f"{inputs.get('accountId') or name}@{project}.iam.gserviceaccount.com"

    def _service_account(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """The account's email in its documented form, its IAM member and unique id
        (https://cloud.google.com/iam/docs/service-account-overview)."""
        email = self._service_account_email(name, inputs)
        return {"email": email, "member": f"serviceAccount:{email}", "name": _id,
                "uniqueId": str(int(stable_hex("sa", email, length=15), 16))[:21]}

    def _cloud_run_resource(self, name: str, inputs: dict[str, Any],
                            resource_id: str) -> dict[str, Any]:
        """A Cloud Run resource's uid, generation and location."""
        return {"uid": stable_hex("run", resource_id, length=32), "generation": "1",
                "location": self._region(inputs), "deletionProtection":
                    inputs.get("deletionProtection", True)}

    def _cloud_run_service(self, name: str, inputs: dict[str, Any],
                           resource_id: str) -> dict[str, Any]:
        """A service's `run.app` URI in the deterministic form
        `https://<name>-<project number>.<region>.run.app`
        (https://cloud.google.com/run/docs/triggering/https-request#deterministic)."""
        own = self._name("gcp:cloudrunv2/service:Service", name, inputs)
        uri = f"https://{own}-{self.project_number}.{self._region(inputs)}.run.app"
        return {**self._cloud_run_resource(name, inputs, resource_id), "uri": uri,
                "urls": [uri], "latestReadyRevision": f"{own}-00001-abc"}

    # -- Managed Service for Apache Kafka ---------------------------------------------------

    def _kafka_cluster(self, _name: str, inputs: dict[str, Any], resource_id: str,
                       ) -> dict[str, Any]:
        """The cluster's resource name and its SASL bootstrap address.

        The address's form (`bootstrap.<cluster>.<region>.managedkafka.<project>.cloud.goog`,
        port 9092 for SASL) is the mocks' assumption, from Google's client examples; the
        component reads the address the cluster reports and sets the SASL port itself.
        """
        cluster_id = str(inputs.get("clusterId") or "")
        location = self._region(inputs)
        project = str(inputs.get("project") or self.project)
        return {"name": resource_id, "state": "ACTIVE",
                "bootstrapAddress": f"bootstrap.{cluster_id}.{location}.managedkafka."
                                    f"{project}.cloud.goog:9092"}

    # -- Secret Manager, Cloud Storage ------------------------------------------------------

    def _secret(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        secret_id = str(inputs.get("secretId") or name)
        return {"name": f"projects/{self.project_number}/secrets/{secret_id}"}

    def _secret_version(self, _name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        secret = str(inputs.get("secret") or "")
        secret_id = secret.rsplit("/", 1)[-1]
        version = f"projects/{self.project_number}/secrets/{secret_id}/versions/1"
        return {"name": version, "version": "1", "enabled": True}

    def _bucket(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        own = self._name("gcp:storage/bucket:Bucket", name, inputs)
        return {"url": f"gs://{own}", "selfLink": f"{STORAGE}/b/{own}"}

    # -- the entry point (Cdn) and the budget -----------------------------------------------

    def _dns_authorization(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """The CNAME Certificate Manager asks for (FIXED_RECORD, the global default)."""
        domain = str(inputs.get("domain") or "example.com")
        target = f"{stable_hex('authz', name, length=12)}.9.authorize.certificatemanager.goog."
        return {"dnsResourceRecords": [{
            "name": f"_acme-challenge.{domain}.", "type": "CNAME", "data": target}],
            "type": str(inputs.get("type") or "FIXED_RECORD")}

    def _budget(self, name: str, inputs: dict[str, Any], resource_id: str) -> dict[str, Any]:
        return {"name": resource_id}

    def _transfer_job(self, name: str, inputs: dict[str, Any],
                      resource_id: str) -> dict[str, Any]:
        return {"name": f"transferJobs/{resource_id.rsplit('/', 1)[-1]}"}

    def _notification_channel(self, name: str, inputs: dict[str, Any],
                              resource_id: str) -> dict[str, Any]:
        return {"name": resource_id, "verificationStatus": "VERIFIED"}

    # -- functions --------------------------------------------------------------------------

    def _client_config(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"project": self.project, "region": self.context.region,
                "zone": f"{self.context.region}-a", "accessToken": "offline-plan",
                "id": self.project}

    def _project(self, args: dict[str, Any]) -> dict[str, Any]:
        """The project a `get_project` names (the mocks' own when unnamed): its id, its number
        (digits, as Resource Manager returns it) and its name."""
        project = str(args.get("projectId") or self.project)
        return {"projectId": project, "number": self.project_number, "name": project,
                "id": f"projects/{project}", "labels": {}, "effectiveLabels": {}}

    def _storage_service_agent(self, args: dict[str, Any]) -> dict[str, Any]:
        """The project's Cloud Storage service agent, in its documented form
        (https://cloud.google.com/storage/docs/getting-service-agent)."""
        email = f"service-{self.project_number}@gs-project-accounts.iam.gserviceaccount.com"
        return {"emailAddress": email, "member": f"serviceAccount:{email}",
                "project": str(args.get("project") or self.project), "id": email}

    def _transfer_service_agent(self, args: dict[str, Any]) -> dict[str, Any]:
        """The project's Storage Transfer Service agent, in its documented form
        (project-<number>@storage-transfer-service.iam.gserviceaccount.com,
        https://cloud.google.com/storage-transfer/docs/sink-cloud-storage)."""
        email = f"project-{self.project_number}@storage-transfer-service.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}",
                "project": str(args.get("project") or self.project), "id": email,
                "subjectId": "123456789012345678901"}

    def _zones(self, args: dict[str, Any]) -> dict[str, Any]:
        region = str(args.get("region") or self.context.region)
        return {"names": [f"{region}-{zone}" for zone in "abc"], "region": region,
                "project": self.project, "id": f"projects/{self.project}/regions/{region}"}
