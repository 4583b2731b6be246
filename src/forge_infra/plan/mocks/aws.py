"""AWS (`pulumi_aws`, token package `aws`): ids, ARNs, endpoints and data-source answers.

Ids are in AWS's formats (`vpc-…`, `subnet-…`, KMS key UUIDs, …); ARNs are in the stack's
account and region; endpoints (RDS, ElastiCache, MSK, EKS, ALB, CloudFront) derive from the
resource's name with a stable hash, so two runs give the same plan.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from forge_components.aws import catalog
from forge_infra.plan.mocks.base import (
    MockContext,
    ProviderPackageMocks,
    ResourceHandler,
    stable_hex,
)

# Id prefixes of the AWS resources whose ids have a recognisable format.
_AWS_ID_PREFIX: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
    "aws:ec2/route:Route": "r-rtb-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/instance:Instance": "i-",
    "aws:ec2/volume:Volume": "vol-",
    "aws:ebs/volume:Volume": "vol-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/networkInterface:NetworkInterface": "eni-",
    "aws:ec2/keyPair:KeyPair": "key-",
    "aws:kms/key:Key": "",
    "aws:route53/zone:Zone": "Z",
}

# The service part of an ARN, where it differs from the token's module.
_ARN_SERVICE: dict[str, str] = {
    "alb": "elasticloadbalancing",
    "lb": "elasticloadbalancing",
    "cloudwatch": "logs",
    "ecs": "ecs",
    "msk": "kafka",
    "eks": "eks",
    "vpc": "ec2",
    "dlm": "dlm",
    "appautoscaling": "application-autoscaling",
}

_GLOBAL_ARN_SERVICES = {"iam", "cloudfront", "route53"}


def _module_of(type_token: str) -> str:
    """`aws:rds/instance:Instance` -> `rds`."""
    return type_token.split(":")[1].split("/")[0]


def _kind_of(type_token: str) -> str:
    """`aws:rds/instance:Instance` -> `instance`."""
    return type_token.split(":")[1].split("/")[-1]


class AwsMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the AWS provider's resources and functions."""

    package = "aws"

    def __init__(self, context: MockContext) -> None:
        super().__init__(context)
        self.region = context.region
        self.account_id = context.account_id
        # The region's partition and zones come from the catalogue the stack config checks
        # `aws:region` against (forge_components.aws.catalog, regions.yaml).
        self._catalog_region = catalog.region(self.region)
        self.partition = catalog.partition_of(self.region)
        self._subnet_cidrs: dict[str, str] = {}
        self.resources.update({
            "aws:ec2/vpc:Vpc": self._vpc,
            "aws:ec2/subnet:Subnet": self._subnet,
            "aws:ec2/eip:Eip": self._eip,
            "aws:ec2/natGateway:NatGateway": self._nat_gateway,
            "aws:ec2/instance:Instance": self._instance,
            "aws:ec2/networkInterface:NetworkInterface": self._network_interface,
            "aws:s3/bucket:Bucket": self._bucket,
            # An auto-named (or name_prefix) log group gets its name from the provider.
            "aws:cloudwatch/logGroup:LogGroup": lambda name, inputs, _id: {
                "name": self._physical_name("aws:cloudwatch/logGroup:LogGroup", name, inputs)},
            # Auto-named resources whose name others consume: the provider fills `name`.
            **{token: self._named(token) for token in (
                "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
                "aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile",
                "aws:secretsmanager/secret:Secret")},
            "aws:rds/instance:Instance": self._rds_instance,
            "aws:elasticache/replicationGroup:ReplicationGroup": self._replication_group,
            "aws:msk/cluster:Cluster": self._msk_cluster,
            # A new MSK configuration starts at revision 1.
            "aws:msk/configuration:Configuration": lambda _n, _i, _id: {
                "latestRevision": 1},
            "aws:eks/cluster:Cluster": self._eks_cluster,
            "aws:lb/loadBalancer:LoadBalancer": self._load_balancer,
            "aws:lb/targetGroup:TargetGroup": self._target_group,
            "aws:cloudfront/distribution:Distribution": self._distribution,
            "aws:acm/certificate:Certificate": self._certificate,
            "aws:route53/zone:Zone": self._zone,
            "aws:kms/key:Key": self._kms_key,
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": self._oidc_provider,
            "aws:route53/record:Record": lambda _name, inputs, _id: {
                "fqdn": str(inputs.get("name") or "").rstrip(".")},
            "aws:ec2/launchTemplate:LaunchTemplate": lambda _name, _inputs, _id: {
                "latestVersion": 1, "defaultVersion": 1},
            "aws:wafv2/webAcl:WebAcl": self._web_acl,
        })
        self.functions.update({
            "aws:index/getAvailabilityZones:getAvailabilityZones": self._get_azs,
            "aws:index/getCallerIdentity:getCallerIdentity": self._get_caller_identity,
            "aws:index/getRegion:getRegion": self._get_region,
            "aws:index/getPartition:getPartition": self._get_partition,
            "aws:ec2/getAmi:getAmi": self._get_ami,
            "aws:ec2/getSubnet:getSubnet": self._get_subnet,
            "aws:ssm/getParameter:getParameter": self._get_ssm_parameter,
            "aws:iam/getPolicyDocument:getPolicyDocument": self._get_policy_document,
            "aws:route53/getZone:getZone": self._get_zone,
            "aws:eks/getAddonVersion:getAddonVersion": lambda a: {
                "addonName": a.get("addonName"), "kubernetesVersion": a.get("kubernetesVersion"),
                "version": "v1.0.0-eksbuild.1", "id": a.get("addonName"),
            },
            "aws:elb/getServiceAccount:getServiceAccount": lambda _a: {
                "arn": "arn:aws:iam::127311923021:root", "id": "127311923021",
            },
            "aws:cloudfront/getCachePolicy:getCachePolicy": self._get_managed_policy,
            "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy": (
                self._get_managed_policy),
            "aws:cloudfront/getResponseHeadersPolicy:getResponseHeadersPolicy": (
                self._get_managed_policy
            ),
        })

    def _named(self, type_token: str) -> ResourceHandler:
        """A handler that answers the physical name the provider gives an auto-named resource."""
        def handler(name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
            return {"name": self._physical_name(type_token, name, inputs)}
        return handler

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Echo the inputs, add an ARN, `tagsAll` and the physical name, then the handler's."""
        resource_id = self.resource_id(type_token, name, inputs)
        if type_token == "aws:ec2/subnet:Subnet" and isinstance(inputs.get("cidrBlock"), str):
            self._subnet_cidrs[resource_id] = inputs["cidrBlock"]
        outputs = dict(inputs)
        outputs.setdefault("arn", self._arn(type_token, name, inputs, resource_id))
        outputs.setdefault("tagsAll", inputs.get("tags") or {})
        outputs.setdefault("name", self._physical_name(type_token, name, inputs))
        handler = self.resources.get(type_token)
        if handler is not None:
            outputs.update(handler(name, inputs, resource_id))
        return resource_id, outputs

    # -- ids and ARNs -----------------------------------------------------------------------

    def resource_id(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """AWS's id format where it has one, else the name AWS identifies it by."""
        if type_token in _AWS_ID_PREFIX:
            prefix = _AWS_ID_PREFIX[type_token]
            if type_token == "aws:kms/key:Key":
                h = stable_hex(type_token, name, length=32)
                return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            if type_token == "aws:route53/zone:Zone":
                return prefix + stable_hex(type_token, name, length=20).upper()
            return prefix + stable_hex(type_token, name)
        if type_token.startswith("aws:"):
            # Resources AWS identifies by name use it (buckets, clusters, roles, ...).
            for key in ("bucket", "name", "identifier", "clusterName", "replicationGroupId",
                        "functionName", "family"):
                value = inputs.get(key)
                if isinstance(value, str) and value:
                    return value
            return f"{name}-{stable_hex(type_token, name, length=7)}"
        return f"{name}-id"

    def _physical_name(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """The auto-name Pulumi would give a resource whose name input is unset."""
        for key in ("name", "bucket", "identifier", "clusterName", "replicationGroupId"):
            value = inputs.get(key)
            if isinstance(value, str) and value:
                return value
        prefix = inputs.get("namePrefix") or inputs.get("bucketPrefix")
        if isinstance(prefix, str) and prefix:
            return prefix + stable_hex(type_token, name, length=8)
        return f"{name}-{stable_hex(type_token, name, length=7)}"

    def _arn(self, type_token: str, name: str, inputs: dict[str, Any], resource_id: str) -> str:
        module = _module_of(type_token)
        service = _ARN_SERVICE.get(module, module)
        kind = _kind_of(type_token).lower()
        if service == "s3":
            return f"arn:{self.partition}:s3:::{self._physical_name(type_token, name, inputs)}"
        region = "" if service in _GLOBAL_ARN_SERVICES else self.region
        physical = self._physical_name(type_token, name, inputs)
        if service == "iam":
            return f"arn:{self.partition}:iam::{self.account_id}:{kind}/{physical}"
        if service == "ec2":
            return f"arn:{self.partition}:ec2:{region}:{self.account_id}:{kind}/{resource_id}"
        if service == "logs":
            return f"arn:{self.partition}:logs:{region}:{self.account_id}:log-group:{physical}"
        if service == "secretsmanager":
            return (f"arn:{self.partition}:secretsmanager:{region}:{self.account_id}:secret:"
                    f"{physical}-"
                    f"{stable_hex(type_token, name, length=6)}")
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{kind}/{physical}"

    # -- computed outputs per resource type -------------------------------------------------

    def _vpc(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        return {
            "defaultSecurityGroupId": "sg-" + stable_hex("default-sg", name),
            "defaultNetworkAclId": "acl-" + stable_hex("default-acl", name),
            "defaultRouteTableId": "rtb-" + stable_hex("default-rtb", name),
            "mainRouteTableId": "rtb-" + stable_hex("default-rtb", name),
            "ownerId": self.account_id,
        }

    def _subnet(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        zone_ids = dict(self._standard_zones())
        zone = inputs.get("availabilityZone")
        zone_id = zone_ids.get(zone) if isinstance(zone, str) else None
        if zone_id is None:
            ids = sorted(zone_ids.values())
            zone_id = ids[int(stable_hex(name, length=2), 16) % len(ids)]
        return {"ownerId": self.account_id, "availabilityZoneId": zone_id}

    def _eip(self, name: str, _inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        h = int(stable_hex("eip", name, length=4), 16)
        public_ip = f"203.0.{(h >> 8) % 256}.{h % 256}"
        return {"publicIp": public_ip, "allocationId": _id, "domain": "vpc"}

    def _web_acl(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """A web ACL's ARN as WAF forms it: `global/` for CLOUDFRONT scope, `regional/`
        otherwise, in the resource's own region (pulumi-aws 7's `region`) or the stack's."""
        h = stable_hex("webacl", name, length=32)
        acl_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        region = inputs.get("region") or self.region
        kind = "global" if inputs.get("scope") == "CLOUDFRONT" else "regional"
        physical = self._physical_name("aws:wafv2/webAcl:WebAcl", name, inputs)
        return {"arn": f"arn:{self.partition}:wafv2:{region}:{self.account_id}:{kind}/webacl/"
                       f"{physical}/"
                       f"{acl_id}",
                "capacity": 0, "lockToken": stable_hex("lock", name)}

    def _private_ip(self, kind: str, name: str, inputs: dict[str, Any]) -> str:
        """A stable address inside the resource's subnet (AWS reserves the first four and the
        last address of every subnet), or in 10.0.0.0/16 when the subnet is unknown."""
        h = int(stable_hex(kind, name, length=8), 16)
        cidr = self._subnet_cidrs.get(str(inputs.get("subnetId")), "10.0.0.0/16")
        network = ipaddress.ip_network(cidr, strict=False)
        usable = max(network.num_addresses - 5, 1)
        return str(network.network_address + 4 + h % usable)

    def _nat_gateway(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        h = int(stable_hex("nat", name, length=4), 16)
        return {"privateIp": self._private_ip("nat", name, inputs),
                "publicIp": f"203.0.{(h >> 8) % 256}.{h % 256}"}

    def _instance(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        ip = self._private_ip("instance", name, inputs)
        return {"privateIp": ip,
                "privateDns": f"ip-{ip.replace('.', '-')}.ec2.internal",
                "primaryNetworkInterfaceId": "eni-" + stable_hex("eni", name)}

    def _network_interface(self, name: str, inputs: dict[str, Any],
                           _id: str) -> dict[str, Any]:
        """A private address derived from the name (or the one asked for)."""
        ip = inputs.get("privateIp") or self._private_ip("eni", name, inputs)
        return {"privateIp": ip, "privateIps": [ip],
                "privateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal",
                "macAddress": "0e:" + ":".join(
                    stable_hex("eni-mac", name, length=10)[i:i + 2] for i in range(0, 10, 2))}

    def _bucket(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        bucket = self._physical_name("aws:s3/bucket:Bucket", name, inputs)
        return {
            "bucket": bucket,
            "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{bucket}.s3.{self.region}.amazonaws.com",
            "region": self.region,
            "hostedZoneId": "Z3AQBSTGFYJSTF",
        }

    def _rds_instance(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        identifier = self._physical_name("aws:rds/instance:Instance", name, inputs)
        address = (f"{identifier}.c{stable_hex('rds', self.account_id, length=11)}."
                   f"{self.region}.rds.amazonaws.com")
        port = inputs.get("port") or 5432
        outputs: dict[str, Any] = {
            "identifier": identifier,
            "address": address,
            "endpoint": f"{address}:{port}",
            "port": port,
            "resourceId": "db-" + stable_hex("rds", name, length=26).upper(),
            "hostedZoneId": "Z2R2ITUGPM61AM",
        }
        if inputs.get("manageMasterUserPassword"):
            outputs["masterUserSecrets"] = [{
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId") or "alias/aws/secretsmanager",
                "secretArn": (f"arn:{self.partition}:secretsmanager:{self.region}:"
                              f"{self.account_id}:secret:"
                              f"rds!db-{stable_hex('rds-secret', name, length=8)}-"
                              f"{stable_hex('rds-secret-suffix', name, length=6)}"),
                "secretStatus": "active",
            }]
        return outputs

    def _replication_group(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        group = inputs.get("replicationGroupId") or name
        suffix = f"{stable_hex('cache', self.account_id, length=6)}.use1.cache.amazonaws.com"
        return {
            "primaryEndpointAddress": f"master.{group}.{suffix}",
            "readerEndpointAddress": f"replica.{group}.{suffix}",
            "memberClusters": [f"{group}-{i + 1:03d}" for i in range(
                int(inputs.get("numCacheClusters") or 1))],
        }

    def _msk_cluster(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        cluster = inputs.get("clusterName") or name
        count = int(inputs.get("numberOfBrokerNodes") or 3)
        suffix = (f"{cluster}.{stable_hex('msk', name, length=6)}.c2.kafka."
                  f"{self.region}.amazonaws.com")
        tls = ",".join(f"b-{i + 1}.{suffix}:9094" for i in range(count))
        plain = ",".join(f"b-{i + 1}.{suffix}:9092" for i in range(count))
        # The provider fills bootstrapBrokersSaslScram (port 9096) when client_broker is TLS
        # (or TLS_PLAINTEXT) and SASL/SCRAM is on (the SDK's Cluster docs).
        sasl = dict((dict(inputs.get("clientAuthentication") or {})).get("sasl") or {})
        scram = ",".join(f"b-{i + 1}.{suffix}:9096" for i in range(count)) if sasl.get(
            "scram") else ""
        return {
            "bootstrapBrokersTls": tls,
            "bootstrapBrokersSaslScram": scram,
            "bootstrapBrokers": plain,
            "zookeeperConnectStringTls": ",".join(
                f"z-{i + 1}.{suffix}:2182" for i in range(3)),
            "clusterUuid": stable_hex("msk-uuid", name, length=8) + "-1",
            "currentVersion": "K3AEGXETSR30VB",
        }

    def _eks_cluster(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        oidc_id = stable_hex("oidc", name, length=32).upper()
        return {
            "endpoint": f"https://{oidc_id}.gr7.{self.region}.eks.amazonaws.com",
            "certificateAuthority": {
                "data": ("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCm1vY2sKLS0tLS1FTkQgQ0VSVElGSUNB"
                         "VEUtLS0tLQo="),
            },
            "identities": [{"oidcs": [{
                "issuer": f"https://oidc.eks.{self.region}.amazonaws.com/id/{oidc_id}"}]}],
            "platformVersion": "eks.1",
            "status": "ACTIVE",
            "clusterId": stable_hex("eks-id", name, length=8),
            "version": inputs.get("version") or "1.31",
            "vpcConfig": {**dict(inputs.get("vpcConfig") or {}),
                          "clusterSecurityGroupId": "sg-" + stable_hex("eks-cluster-sg", name),
                          "vpcId": "vpc-" + stable_hex("eks-vpc", name)},
        }

    def _load_balancer(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        lb_name = self._physical_name("aws:lb/loadBalancer:LoadBalancer", name, inputs)
        suffix = f"app/{lb_name}/{stable_hex('alb', name, length=16)}"
        return {
            "dnsName": f"{lb_name}-{int(stable_hex('alb-dns', name, length=8), 16)}."
                       f"{self.region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
            "arnSuffix": suffix,
            "arn": f"arn:{self.partition}:elasticloadbalancing:{self.region}:{self.account_id}:"
                   "loadbalancer/"
                   f"{suffix}",
        }

    def _target_group(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """A target group's ARN and `arnSuffix` (`targetgroup/<name>/<16 hex>`, the
        TargetGroup dimension of its CloudWatch metrics)."""
        tg_name = self._physical_name("aws:lb/targetGroup:TargetGroup", name, inputs)
        suffix = f"targetgroup/{tg_name}/{stable_hex('tg', name, length=16)}"
        return {
            "arnSuffix": suffix,
            "arn": f"arn:{self.partition}:elasticloadbalancing:{self.region}:{self.account_id}:"
                   f"{suffix}",
        }

    def _distribution(self, name: str, _inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        dist_id = "E" + stable_hex("cf", name, length=13).upper()
        return {
            "domainName": f"d{stable_hex('cf-domain', name, length=13)}.cloudfront.net",
            "hostedZoneId": "Z2FDTNDATAQYW2",
            "arn": f"arn:{self.partition}:cloudfront::{self.account_id}:distribution/{dist_id}",
            "status": "Deployed",
        }

    def _certificate(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        domains = [inputs.get("domainName"), *(inputs.get("subjectAlternativeNames") or [])]
        options = [
            {
                "domainName": domain,
                "resourceRecordName": f"_{stable_hex('acm', str(domain), length=32)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{stable_hex('acm-v', str(domain), length=32)}."
                                       "acm-validations.aws.",
            }
            for domain in domains if domain
        ]
        return {"domainValidationOptions": options, "status": "ISSUED"}

    def _zone(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        return {"zoneId": _id,
                "nameServers": [f"ns-{i}.awsdns-{i:02d}.org" for i in range(1, 5)]}

    def _kms_key(self, _name: str, _inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        return {"keyId": _id,
                "arn": f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/{_id}"}

    def _oidc_provider(self, _name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        url = str(inputs.get("url", "")).removeprefix("https://")
        return {"arn": f"arn:{self.partition}:iam::{self.account_id}:oidc-provider/{url}"}

    # -- provider functions -----------------------------------------------------------------

    def _standard_zones(self) -> list[tuple[str, str]]:
        """(name, AZ ID) of the region's Availability Zones, from the catalogue."""
        if self._catalog_region is None:
            raise ValueError(f"the offline mocks know no Availability Zones of region "
                             f"{self.region!r} (forge_components/aws/catalog/regions.yaml)")
        return list(zip(self._catalog_region.zone_names, self._catalog_region.zone_ids,
                        strict=True))

    def _zones(self) -> list[dict[str, str]]:
        """The region's zones as DescribeAvailabilityZones lists them for an account opted in
        to a Local Zone and a Wavelength Zone (both listed ahead of some standard zones, as
        the API's order is not the standard zones first). Zone types and opt-in statuses:
        https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html
        The standard zones are the region's in the catalogue (regions.yaml).
        """
        standard = [{"name": name, "id": zone_id, "zone-type": "availability-zone",
                     "opt-in-status": "opt-in-not-required", "group-name": self.region}
                    for name, zone_id in self._standard_zones()]
        local = {"name": f"{self.region}-bos-1a", "id": "use1-bos1-az1", "zone-type": "local-zone",
                 "opt-in-status": "opted-in", "group-name": f"{self.region}-bos-1"}
        wavelength = {"name": f"{self.region}-wl1-bos-wlz-1", "id": "use1-wl1-bos-wlz1",
                      "zone-type": "wavelength-zone", "opt-in-status": "opted-in",
                      "group-name": f"{self.region}-wl1"}
        return [standard[0], local, wavelength, *standard[1:]]

    def _get_azs(self, args: dict[str, Any]) -> dict[str, Any]:
        zones = self._zones()
        for flt in args.get("filters") or []:
            if flt["name"] not in ("zone-type", "opt-in-status", "group-name"):
                raise ValueError(f"getAvailabilityZones: the offline mocks do not answer the "
                                 f"filter {flt['name']!r}")
            zones = [z for z in zones if z[flt["name"]] in flt["values"]]
        return {
            "names": [z["name"] for z in zones],
            "zoneIds": [z["id"] for z in zones],
            "state": args.get("state", "available"),
            "id": self.region,
            "groupNames": sorted({z["group-name"] for z in zones}),
        }

    def _get_partition(self, _args: dict[str, Any]) -> dict[str, Any]:
        """The region's partition (aws, aws-cn, aws-us-gov) and its DNS suffix."""
        suffix = self._catalog_region.dns_suffix if self._catalog_region else "amazonaws.com"
        return {"partition": self.partition, "dnsSuffix": suffix, "id": self.partition,
                "reverseDnsPrefix": ".".join(reversed(suffix.split(".")))}

    def _get_caller_identity(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"accountId": self.account_id,
                "arn": f"arn:{self.partition}:iam::{self.account_id}:user/offline-plan",
                "userId": "AIDAOFFLINEPLAN", "id": self.account_id}

    def _get_region(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"name": self.region, "region": self.region, "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
                "description": self.region}

    def _get_ami(self, args: dict[str, Any]) -> dict[str, Any]:
        filters = json.dumps(args.get("filters") or [], sort_keys=True)
        ami_id = "ami-" + stable_hex("ami", filters, self.region)
        return {"id": ami_id, "imageId": ami_id, "architecture": "x86_64",
                "name": "offline-plan-ami", "rootDeviceName": "/dev/xvda"}

    def _get_subnet(self, args: dict[str, Any]) -> dict[str, Any]:
        """A subnet looked up by id: its AZ is stable per id (volumes must share it)."""
        subnet_id = str(args.get("id") or "subnet-" + stable_hex("subnet", json.dumps(
            args.get("filters") or [], sort_keys=True)))
        zones = self._standard_zones()[:3]
        zone, zone_id = zones[int(stable_hex("subnet-az", subnet_id, length=4), 16) % len(zones)]
        return {"id": subnet_id, "arn": f"arn:{self.partition}:ec2:{self.region}:"
                f"{self.account_id}:subnet/{subnet_id}", "availabilityZone": zone,
                "availabilityZoneId": zone_id,
                "vpcId": args.get("vpcId") or "vpc-" + stable_hex("vpc", subnet_id),
                "ownerId": self.account_id, "state": "available"}

    def _get_ssm_parameter(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name"))
        return {"name": name, "type": "String", "id": name,
                "value": "ami-" + stable_hex("ssm", name, self.region),
                "insecureValue": "ami-" + stable_hex("ssm", name, self.region)}

    def _get_policy_document(self, args: dict[str, Any]) -> dict[str, Any]:
        """Render the statements the way the provider does (PascalCase IAM JSON)."""
        statements = []
        for stmt in args.get("statements") or []:
            rendered: dict[str, Any] = {}
            if stmt.get("sid"):
                rendered["Sid"] = stmt["sid"]
            rendered["Effect"] = stmt.get("effect") or "Allow"
            for src, dst in (("actions", "Action"), ("notActions", "NotAction"),
                             ("resources", "Resource"), ("notResources", "NotResource")):
                if stmt.get(src):
                    values = list(stmt[src])
                    rendered[dst] = values[0] if len(values) == 1 else values
            for src, dst in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
                if stmt.get(src):
                    principal: dict[str, Any] = {}
                    for p in stmt[src]:
                        ids = list(p.get("identifiers") or [])
                        principal[p["type"]] = ids[0] if len(ids) == 1 else ids
                    rendered[dst] = principal
            if stmt.get("conditions"):
                condition: dict[str, dict[str, Any]] = {}
                for c in stmt["conditions"]:
                    values = list(c.get("values") or [])
                    condition.setdefault(c["test"], {})[c["variable"]] = (
                        values[0] if len(values) == 1 else values)
                rendered["Condition"] = condition
            statements.append(rendered)
        document = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
        return {"json": document, "minifiedJson": json.dumps(json.loads(document)),
                "id": stable_hex("policy", document, length=10)}

    def _get_zone(self, args: dict[str, Any]) -> dict[str, Any]:
        zone_name = str(args.get("name") or "example.com").rstrip(".")
        zone_id = args.get("zoneId") or "Z" + stable_hex("zone", zone_name, length=20).upper()
        return {"zoneId": zone_id, "id": zone_id, "name": zone_name,
                "privateZone": bool(args.get("privateZone")),
                "nameServers": [f"ns-{i}.awsdns-{i:02d}.org" for i in range(1, 5)],
                "arn": f"arn:{self.partition}:route53:::hostedzone/{zone_id}"}

    def _get_managed_policy(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name"))
        policy_id = stable_hex("cf-policy", name, length=32)
        return {"id": f"{policy_id[:8]}-{policy_id[8:12]}-{policy_id[12:16]}-"
                      f"{policy_id[16:20]}-{policy_id[20:]}", "name": name}
