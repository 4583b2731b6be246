"""Stack files Pulumi would not load are refused as such: duplicate keys, alias bombs,
recursive anchors, bytes that are not UTF-8, binary files and empty `secure:` values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.config import ConfigError, load_stack_file
from forge_infra.model.stack_yaml import MAX_EXPANDED_NODES, YamlError, load_yaml
from tests.conftest import ROOT


def alias_bomb(levels: int, width: int = 9) -> bytes:
    """A "billion laughs" document: `levels` anchors, each `width` aliases of the one before."""
    lines = ["config:", "  forge-infra:app:", f"    l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"    l{level}: &l{level} [{aliases}]")
    return ("\n".join(lines) + "\n").encode()


DEV = (ROOT / "Pulumi.dev.yaml").read_bytes()
#: The line of the first key under `config:` in the dev stack file.
FIRST_KEY_LINE = DEV[:DEV.index(b"config:\n")].count(b"\n") + 2
#: The line a key appended to the dev stack file lands on.
APPENDED_LINE = DEV.count(b"\n") + 2

# (case id, file bytes, fragments every problem line must carry together)
BAD_FILES = [
    ("duplicate-top-level-key",
     DEV.replace(b"config:\n", b"config:\n  forge-infra:protect: false\n", 1)
     + b"  forge-infra:protect: true\n",
     [f"line {APPENDED_LINE}: duplicate key 'forge-infra:protect' (first set at "
      f"line {FIRST_KEY_LINE})"]),
    ("duplicate-nested-key",
     b"config:\n  forge-infra:app:\n    name: forge\n    name: other\n",
     ["line 4: duplicate key 'forge-infra:app.name' (first set at line 3)"]),
    ("alias-bomb-9-levels", alias_bomb(9),
     ["forge-infra:app.l", f"more than {MAX_EXPANDED_NODES:,} values"]),
    ("recursive-anchor", b"config:\n  forge-infra:app: &a\n    self: *a\n",
     ["forge-infra:app.self", "recursive anchor"]),
    ("latin-1", "config:\n  forge-infra:app:\n    name: caf\xe9\n".encode("latin-1"),
     ["line 3: byte 0xe9", "not UTF-8"]),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00", ["a NUL byte at offset 7", "binary file"]),
    ("undefined-alias", b"config:\n  forge-infra:app: *nope\n",
     ["line 2, column 20: not valid YAML", "undefined alias"]),
    ("empty-secure", DEV.replace(b"config:\n", b"config:\n  forge-infra:secrets:\n"
                                 b"    jwt_key:\n      secure: ''\n", 1),
     ["forge-infra:secrets.jwt_key: secure: got an empty string",
      "pulumi config set --secret"]),
    ("numeric-secure", DEV.replace(b"config:\n", b"config:\n  forge-infra:secrets:\n"
                                   b"    jwt_key:\n      secure: 42\n", 1),
     ["forge-infra:secrets.jwt_key: secure: got a int"]),
    ("null-secure", DEV.replace(b"config:\n", b"config:\n  forge-infra:secrets:\n"
                                b"    jwt_key:\n      secure:\n", 1),
     ["forge-infra:secrets.jwt_key: secure: got null"]),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    return tmp_path


@pytest.mark.parametrize(("data", "fragments"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_a_file_pulumi_would_not_load_is_a_config_error(
        project: Path, data: bytes, fragments: list[str]) -> None:
    (project / "Pulumi.dev.yaml").write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_stack_file("dev", project)
    assert info.value.source == "Pulumi.dev.yaml"
    assert any(all(f in line for f in fragments) for line in info.value.problems), \
        info.value.problems


@pytest.mark.parametrize(("data", "fragments"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_the_cli_names_the_file_and_line_without_a_traceback(
        project: Path, data: bytes, fragments: list[str]) -> None:
    (project / "Pulumi.dev.yaml").write_bytes(data)
    result = CliRunner().invoke(main, ["plan", "--stack", "dev", "-C", str(project)])
    assert result.exit_code == 1, result.output
    assert "Pulumi.dev.yaml: " in result.output
    assert all(f in result.output for f in fragments), result.output
    assert "Traceback" not in result.output


def test_the_bound_counts_expanded_aliases_not_lines() -> None:
    """Three levels of 9 aliases expand to 9 + 81 + 729 values plus their lists: within a
    bound of 1,000, over a bound of 500 (the file itself has 4 lines)."""
    document = alias_bomb(3)
    expanded = load_yaml(document, bound=1_000)
    assert expanded["config"]["forge-infra:app"]["l2"][8][8] == ["lol"] * 9
    with pytest.raises(YamlError, match="more than 500 values"):
        load_yaml(document, bound=500)


def test_a_nine_level_bomb_is_refused_at_the_level_that_crosses_the_bound() -> None:
    """9**6 (531,441) values is the first level over 100,000: the refusal names it, so the
    rest of the document was never expanded."""
    with pytest.raises(YamlError) as info:
        load_yaml(alias_bomb(9))
    assert info.value.problems == [
        "line 8: forge-infra:app.l5: expands to more than 100,000 values once its anchors and "
        "aliases are expanded; forge-infra reads at most 100,000 (write the values out, or use "
        "fewer nested aliases)"]


def test_aliases_and_merge_keys_within_the_bound_load_as_pulumi_reads_them() -> None:
    document = load_yaml(b"base: &b {cpu: 1, memory: 2048}\napi:\n  <<: *b\n  cpu: 2\n")
    assert document == {"base": {"cpu": 1, "memory": 2048}, "api": {"cpu": 2, "memory": 2048}}


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert load_yaml(b"\xef\xbb\xbfa: 1\n") == {"a": 1}


def test_duplicate_keys_in_pulumi_yaml_are_refused(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: forge-infra\nruntime: python\nname: other\n")
    shutil.copy(ROOT / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    result = CliRunner().invoke(main, ["plan", "--stack", "dev", "-C", str(project)])
    assert result.exit_code == 1
    assert "Pulumi.yaml: 1 configuration problem:\n  - line 3: duplicate key 'name' (first set " \
           "at line 1)" in result.output
