"""`limits.cloud_run_size_problem`, table-driven: every documented CPU count at its memory
bounds and just outside them, fractions and counts Cloud Run does not take.

Source of the table: https://cloud.google.com/run/docs/configuring/services/cpu and
.../services/memory-limits (recorded in `forge_components.gcp.limits`).
"""

import pytest

from forge_components.gcp.limits import CLOUD_RUN_CPU_MEMORY_MIB, cloud_run_size_problem

ACCEPTED = [
    (1000, 512), (1000, 4096), (2000, 512), (2000, 8192), (4000, 2048), (4000, 16384),
    (6000, 4096), (6000, 24576), (8000, 4096), (8000, 32768),
]
MEMORY_OUT_OF_RANGE = [
    (1000, 511, 512, 4096), (1000, 4097, 512, 4096), (2000, 8193, 512, 8192),
    (4000, 2047, 2048, 16384), (4000, 16385, 2048, 16384), (6000, 4095, 4096, 24576),
    (6000, 24577, 4096, 24576), (8000, 4095, 4096, 32768), (8000, 32769, 4096, 32768),
]


@pytest.mark.parametrize(("cpu", "memory"), ACCEPTED)
def test_documented_sizes_are_accepted(cpu, memory):
    assert cloud_run_size_problem(cpu, memory) is None


@pytest.mark.parametrize(("cpu", "memory", "low", "high"), MEMORY_OUT_OF_RANGE)
def test_memory_outside_the_cpus_range_is_refused(cpu, memory, low, high):
    assert cloud_run_size_problem(cpu, memory) == (
        f"cpu {cpu // 1000} vCPU ({cpu} millicores) with memory {memory} MiB: Cloud Run gives "
        f"{cpu // 1000} vCPU between {low} and {high} MiB of memory")


@pytest.mark.parametrize("cpu", [80, 250, 500, 999])
def test_a_fraction_of_a_vcpu_is_refused_with_the_reason(cpu):
    problem = cloud_run_size_problem(cpu, 512)
    assert problem is not None
    assert problem.startswith(f"cpu {cpu / 1000:g} vCPU ({cpu} millicores): Cloud Run runs "
                              "less than 1 vCPU only with a concurrency of 1")
    assert problem.endswith("; use 1, 2, 4, 6, 8 vCPU")


@pytest.mark.parametrize("cpu", [1500, 3000, 5000, 7000, 10000, 16000])
def test_counts_cloud_run_does_not_take_are_refused(cpu):
    assert cloud_run_size_problem(cpu, 4096) == (
        f"cpu {cpu / 1000:g} vCPU ({cpu} millicores) is not a Cloud Run CPU count: above 1 "
        "vCPU Cloud Run takes whole counts up to 8, one of 1, 2, 4, 6, 8 vCPU")


def test_the_table_is_the_documented_one():
    assert CLOUD_RUN_CPU_MEMORY_MIB == {
        1000: (512, 4096), 2000: (512, 8192), 4000: (2048, 16384), 6000: (4096, 24576),
        8000: (4096, 32768)}
