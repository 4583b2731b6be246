"""Property: a mutated stack file gives a ConfigError naming a key, or a config that builds.

Hypothesis takes a shipped stack file and applies up to four edits: delete a key, change a
value's type, set a number out of range, put a random string in. Either the config model
refuses the file (a `ConfigError`, every line naming a key path) or it accepts it, and then
`build()` runs under the offline mocks without raising: a value the configuration accepts
never fails later inside the program. Each example is bounded in time. Raise the example count
with FORGE_MUTATION_EXAMPLES (CI runs more).
"""

from __future__ import annotations

import copy
import os
import re
import time
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from forge_infra.config import ConfigError
from forge_infra.program import build
from tests.helpers import run_mocked
from tests.test_config import load, stack_values

STACKS = ("dev", "staging", "prod")
#: Seconds one example may take (loading plus an offline build).
TIME_BOUND = 60.0
#: `namespace:key.path: message`; a key that is not plain is written `["..."]` (config.dotted).
PROBLEM_LINE = re.compile(r'^[a-z-]+:(?:[^\s:"\[]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*: ')


def key_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a mapping entry or list item of a stack file's config."""
    paths = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(key_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            paths.extend(key_paths(item, (*prefix, i)))
    return paths


PATHS = {stack: key_paths(stack_values(stack)) for stack in STACKS}

_other_types = st.one_of(st.none(), st.booleans(), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                         st.floats(allow_nan=False, allow_infinity=False))
_out_of_range = st.one_of(st.integers(-10**6, -1), st.integers(10**5, 10**9), st.just(0))
_strings = st.one_of(st.text(max_size=20), st.sampled_from([
    "banana", "db.t4g.gigantic", "https://ghcr.io/forge/api:0.1.0", "ghcr.io//forge",
    "1.2.3.4", "127.0.0.0/8", "us-east-9", "aws:secret", "qa_1", "0.0.0.0/0", "1.30"]))

edit = st.tuples(st.sampled_from(["delete", "type", "range", "string"]),
                 st.integers(0, 10**6), st.one_of(_other_types, _out_of_range, _strings))


def apply(values: dict[str, Any], stack: str, edits: list[tuple[str, int, Any]],
          ) -> dict[str, Any]:
    result = copy.deepcopy(values)
    for kind, index, new in edits:
        path = PATHS[stack][index % len(PATHS[stack])]
        node: Any = result
        for part in path[:-1]:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            last = path[-1]
            try:
                if kind == "delete":
                    del node[last]
                else:
                    node[last] = new
            except (KeyError, IndexError, TypeError):
                continue
    return result


@settings(max_examples=int(os.environ.get("FORGE_MUTATION_EXAMPLES", "20")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(stack=st.sampled_from(STACKS), edits=st.lists(edit, min_size=1, max_size=4))
def test_mutated_stack_files_fail_as_config_errors_or_build(stack: str, edits) -> None:
    values = apply(stack_values(stack), stack, edits)
    started = time.monotonic()
    try:
        config = load(values, stack)
    except ConfigError as exc:
        event("refused")
        assert exc.problems
        bad = [p for p in exc.problems if not PROBLEM_LINE.match(p)]
        assert not bad, bad
        assert "Traceback" not in str(exc)
    else:
        event("accepted and built")
        run_mocked(lambda: build(config), stack=stack)
    assert time.monotonic() - started < TIME_BOUND
