"""The Cache and Storage limits (`forge_components.azure.limits`) agree with the installed
pulumi_azure_native's own enums, so an SDK upgrade that adds or drops a value fails here rather
than in a plan."""

from pulumi_azure_native import redisenterprise, storage

from forge_components.azure import limits


def test_amr_skus_are_exactly_the_sdks_balanced_memory_and_compute_optimized_skus():
    sdk = [s.value for s in redisenterprise.SkuName]
    built = [s for s in sdk if s.startswith(("Balanced_", "MemoryOptimized_",
                                             "ComputeOptimized_"))]
    assert list(limits.AMR_SKUS) == built
    refused = [s for s in sdk if s not in built]
    assert refused and all(s.startswith(tuple(limits.AMR_REFUSED_SKU_PREFIXES))
                           for s in refused), refused
    assert limits.AMR_DEFAULT_SKU in limits.AMR_SKUS


def test_amr_enums_match_the_sdk():
    assert set(limits.AMR_CLUSTERING_POLICIES) == {p.value for p in
                                                   redisenterprise.ClusteringPolicy}
    assert set(limits.AMR_EVICTION_POLICIES) == {p.value for p in
                                                 redisenterprise.EvictionPolicy}
    assert set(limits.AMR_RDB_FREQUENCIES) == {f.value for f in redisenterprise.RdbFrequency}
    assert max(v.value for v in redisenterprise.TlsVersion) == limits.AMR_MINIMUM_TLS


def test_storage_values_are_the_sdks():
    assert set(limits.STORAGE_MINIMUM_TLS) <= {v.value for v in storage.MinimumTlsVersion}
    assert set(limits.STORAGE_SKUS) <= {v.value for v in storage.SkuName}
    assert set(limits.STORAGE_SKUS) >= limits.STORAGE_SKUS_WITHOUT_ARCHIVE
    assert all(limits.CONTAINER_NAME.fullmatch(p) for p in ("reports", "exports", "backups"))
