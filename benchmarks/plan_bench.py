"""Benchmark of `forge-infra plan`: wall time, recording overhead, memory, and scaling.

Usage: python benchmarks/plan_bench.py [--runs 5] [--stacks dev staging prod]

For each stack it prints the median of N full plans, each a fresh process from start to exit
(`forge-infra plan --stack S -q`), and, measured in the same run, the median of N bare runs of
the same program on the stock mock monitor with no recording,
and their ratio; plus each process's peak resident memory. Then it plans a synthetic variant
of the dev stack with 40 services instead of 4 (36 internal copies of the api) and prints how
time and resource count grow. Targets on a 2-core machine: <= 2 s per stack, ratio <= 1.3,
peak <= 400 MB, growth no worse than linear in resources.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _timed_process(argv: list[str]) -> tuple[float, float, str]:
    """Run a process to completion; return (wall seconds, peak RSS in MB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stdout = process.stdout.read() if process.stdout else ""
    stderr = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, stdout


def _median_runs(argv: list[str], runs: int) -> tuple[float, float, str]:
    results = [_timed_process(argv) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), max(r[1] for r in results),
            results[-1][2])


# -- modes run in child processes -----------------------------------------------------------


def bare_run(stack: str) -> None:
    """The same program and provider answers on the stock mock monitor, recording nothing.

    This is the floor the plan is measured against: what remains is the cost of recording
    every registration and building the plan.
    """
    from forge_infra.config import load_stack_file
    from forge_infra.plan.mocks import ProviderMocks
    from forge_infra.plan.recorder import run_under_mocks
    from forge_infra.program import build

    config = load_stack_file(stack, ROOT)
    run_under_mocks(lambda: build(config), project="forge-infra", stack=stack,
                    mocks=ProviderMocks(region=config.region), record=False)


def synthetic_run(services: int) -> None:
    """Plan the dev stack with `services` services (extra internal copies of the api)."""
    from forge_infra import program
    from forge_infra.config import load_stack_file
    from forge_infra.plan import run_plan

    original = program.service_specs

    def internal_copy(api: Any, name: str) -> Any:
        """A copy of the api spec (a TypedDict, or a dataclass before the neutral contracts)
        under another name and with no public route."""
        if isinstance(api, dict):
            return {**{k: v for k, v in api.items() if k not in ("public_host", "public_path")},
                    "name": name}
        return dataclasses.replace(api, name=name, public_host=None)

    def many_specs(*args: Any, **kwargs: Any) -> list[Any]:
        specs = original(*args, **kwargs)
        api = next(s for s in specs if (s["name"] if isinstance(s, dict) else s.name) == "api")
        return specs + [internal_copy(api, f"svc{i:02d}") for i in range(services - len(specs))]

    program.service_specs = many_specs
    plan = run_plan("dev", ROOT, config=load_stack_file("dev", ROOT))
    print(len(plan.custom_resources()))


# -- the benchmark --------------------------------------------------------------------------


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stacks", nargs="+", default=["dev", "staging", "prod"])
    parser.add_argument("--bare", metavar="STACK", help=argparse.SUPPRESS)
    parser.add_argument("--synthetic", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare or args.synthetic:
        # Child modes run and leave the way the CLI does (forge_infra.cli.run: the same GC
        # tuning, no interpreter teardown), so the ratio compares the runs themselves.
        from forge_infra.cli import tune_for_short_run

        tune_for_short_run()
        if args.bare:
            bare_run(args.bare)
        else:
            synthetic_run(args.synthetic)
        sys.stdout.flush()
        os._exit(0)

    python = sys.executable
    print(f"forge-infra plan benchmark: median of {args.runs} runs, each a fresh process "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"{'stack':<9}{'plan s':>8}{'bare s':>8}{'ratio':>7}{'peak MB':>9}{'resources':>11}")
    for stack in args.stacks:
        plan_s, plan_mb, out = _median_runs(
            [python, "-m", "forge_infra.cli", "plan", "--stack", stack, "-q"], args.runs)
        bare_s, _, _ = _median_runs([python, __file__, "--bare", stack], args.runs)
        resources = out.split(":", 1)[1].split()[0] if ":" in out else "?"
        print(f"{stack:<9}{plan_s:>8.2f}{bare_s:>8.2f}{plan_s / bare_s:>7.2f}{plan_mb:>9.0f}"
              f"{resources:>11}")

    small_s, _, small_out = _median_runs([python, __file__, "--synthetic", "4"], args.runs)
    large_s, large_mb, large_out = _median_runs([python, __file__, "--synthetic", "40"],
                                                args.runs)
    small_n, large_n = int(small_out.strip()), int(large_out.strip())
    print(f"scale: 4 services {small_n} resources {small_s:.2f}s; 40 services {large_n} "
          f"resources {large_s:.2f}s (peak {large_mb:.0f} MB)")
    print(f"scale: time x{large_s / small_s:.2f} for resources x{large_n / small_n:.2f} "
          f"(linear or better when the first is <= the second)")


if __name__ == "__main__":
    main()
