"""A program that fails, or never finishes, while outputs are pending ends the run with its error.

A registration whose input is a `pulumi.deferred_output()` waits until the program resolves it
(the AWS target resolves the CDN assets bucket's ARN in `runtime()`). When the program raises
before that, the SDK's `run_pulumi_func` waits for that registration before re-raising, forever.
Each run here is in a subprocess with a timeout, so a regression fails instead of hanging.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PRELUDE = """
import pulumi
import pulumi_random as random
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import ProgramStalled, run_under_mocks

def run(program, **kwargs):
    return run_under_mocks(program, project="p", stack="t", mocks=ProviderMocks(), **kwargs)

def report(program, **kwargs):
    try:
        recording = run(program, **kwargs)
    except Exception as exc:
        print(f"raised {type(exc).__name__}: {exc}")
    else:
        print(f"recorded {len(recording.resources)}")
"""


def _run_isolated(code: str, timeout: float = 60) -> list[str]:
    """Run `code` (after the prelude) in a fresh interpreter; its stdout lines.

    Its stderr must be empty: a failed run leaves no pending task ("Task was destroyed but it
    is pending!") and no unread copy of its error ("exception was never retrieved") behind.
    """
    result = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=timeout)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout.splitlines()


def test_an_error_raised_while_a_deferred_input_is_pending_is_reported() -> None:
    lines = _run_isolated("""
        def program():
            random.RandomPet("first")
            later, resolve = pulumi.deferred_output()
            random.RandomPet("waits", prefix=later)
            random.RandomPet("last")
            raise NameError("name 'aws' is not defined")

        report(program)
        # The failed run leaves nothing behind for the next one in the same process.
        report(lambda: random.RandomPet("next", prefix=random.RandomPet("base").id))
    """)
    assert lines == ["raised NameError: name 'aws' is not defined", "recorded 2"]


def test_an_error_raised_in_an_apply_while_a_deferred_input_is_pending_is_reported() -> None:
    lines = _run_isolated("""
        def fail(value):
            raise ValueError(f"bad {value}")

        def program():
            random.RandomPet("applies", prefix=random.RandomPet("base").id.apply(fail))
            later, resolve = pulumi.deferred_output()
            random.RandomPet("waits", prefix=later)

        report(program)
    """)
    # The SDK wraps the callback's error in the registration's (resource name, input, error).
    assert lines[0] == ("raised ValueError: While processing resource: 'applies', "
                        "type: 'random:index/randomPet:RandomPet'"), lines
    assert lines[-1] == "ValueError has risen: bad base-id", lines


def test_a_registration_that_never_settles_fails_naming_it() -> None:
    lines = _run_isolated("""
        def program():
            random.RandomPet("done")
            never, resolve = pulumi.deferred_output()
            random.RandomPet("stuck", prefix=never)

        report(program, stall_seconds=0.5)
    """)
    assert len(lines) == 1, lines
    assert lines[0].startswith("raised ProgramStalled: the program did not finish: "
                               "1 registration pending"), lines
    assert "random:index/randomPet:RandomPet 'stuck'" in lines[0], lines
    assert "a forge-infra defect; run with --debug" in lines[0], lines


FAKE_CLOUD = """
from tests.clouds.test_fake_target import CLOUD, FakeSettings, FakeTarget, fake_values
from forge_infra.config import config_from_mapping
from forge_infra.model.target import register_target
from forge_infra.plan import recorder
from forge_infra.plan.engine import ProgramError, run_plan


class DeferringTarget(FakeTarget):
    # Like the AWS target: a foundation input only runtime() knows, through a deferred output.

    def __init__(self, fail_in_foundation, resolve_in_runtime):
        self.fail_in_foundation = fail_in_foundation
        self.resolve_in_runtime = resolve_in_runtime

    def foundation(self, config):
        foundation = super().foundation(config)
        later, self.resolve = pulumi.deferred_output()
        random.RandomPet("access-logs", prefix=later)
        if self.fail_in_foundation:
            helper_near_the_end()
        return foundation

    def runtime(self, config, foundation, workload):
        outputs = super().runtime(config, foundation, workload)
        if self.resolve_in_runtime:
            self.resolve(outputs["url"])
        return outputs


def helper_near_the_end():
    return aws.backup.Vault("late")


def plan(target):
    register_target(CLOUD, namespaces={"fakecloud"}, settings=FakeSettings, target=target)
    config = config_from_mapping(fake_values(), stack="dev", source="Pulumi.dev.yaml")
    try:
        result = run_plan("dev", ".", config=config)
    except ProgramError as exc:
        print(f"ProgramError: {exc}")
    else:
        logs = [r for r in result.resources if r.name == "access-logs"]
        print(f"planned {len(result.resources)}; access-logs prefix {logs[0].props['prefix']}")
"""


def test_a_target_failing_late_in_foundation_is_reported_by_run_plan() -> None:
    lines = _run_isolated(FAKE_CLOUD + textwrap.dedent("""
        plan(DeferringTarget(fail_in_foundation=True, resolve_in_runtime=True))
        recorder.STALL_SECONDS = 0.5
        plan(DeferringTarget(fail_in_foundation=False, resolve_in_runtime=False))
    """))
    assert lines[0] == ("ProgramError: the program failed while planning stack 'dev': "
                        "NameError: name 'aws' is not defined")
    assert lines[1].startswith("ProgramError: the program did not finish while planning stack "
                               "'dev': 1 registration pending "
                               "(random:index/randomPet:RandomPet 'access-logs')"), lines
    assert len(lines) == 2, lines


def test_the_deferring_target_plans_when_it_resolves_its_output() -> None:
    lines = _run_isolated(FAKE_CLOUD + textwrap.dedent("""
        plan(DeferringTarget(fail_in_foundation=False, resolve_in_runtime=True))
    """))
    # The fake target's eight resources and the one that waited for runtime()'s value.
    assert lines == ["planned 9; access-logs prefix https://moon.example.com"], lines
