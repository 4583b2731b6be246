"""Reading Pulumi's YAML files (`Pulumi.yaml`, `Pulumi.<stack>.yaml`) as strictly as Pulumi does.

PyYAML's `safe_load` is more lenient than the Pulumi CLI (Go's yaml.v3) in ways that matter for
a stack file:

* a duplicate key silently keeps the last value, where Pulumi refuses the file
  (`mapping key "x" already defined at line N`): here both lines are named;
* anchors and aliases are expanded without limit, so a few lines of nested aliases (a
  "billion laughs" document) expand to billions of values: here the expanded size of the
  document is computed on the node graph, before any value is built, and a document larger
  than `MAX_EXPANDED_NODES` values (or an alias to itself) is refused;
* bytes that are not UTF-8, and binary files, surface as a decoding traceback: here they are
  refused naming the offset and line.

Every refusal is a `YamlError` whose `problems` name the line and the key path; the stack
loader turns it into a `ConfigError` naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: The most values (scalars, mappings and sequences, counted after expanding every alias) a
#: YAML file may hold. The shipped stack files hold a few hundred; a 9-level alias bomb of 9
#: aliases per level expands to 9**9 (about 387 million).
MAX_EXPANDED_NODES = 100_000

MERGE_KEY = "<<"


class YamlError(Exception):
    """A YAML file Pulumi would not load (or that would not fit the bound): one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class _Walk:
    """What one pass over the node graph found."""

    duplicates: list[str]
    expanded: int


def _key_text(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else f"<{node.tag}>"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(path: str) -> str:
    """A key path as the config errors print it (`config.` is implied for stack keys)."""
    return path.removeprefix("config.") or "(top level)"


def _walk(root: Node, bound: int) -> _Walk:
    """Duplicate keys of every mapping (each distinct node visited once) and the document's
    expanded size, counted on the graph so that aliases cost nothing to count."""
    duplicates: list[str] = []
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: Node, path: str) -> int:
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        if ident in visiting:
            raise YamlError([f"line {node.start_mark.line + 1}: {_shown(path)}: an alias refers "
                             "to a value that contains it (a recursive anchor); write the "
                             "value out instead"])
        visiting.add(ident)
        total = 1
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = _key_text(key_node)
                line = key_node.start_mark.line + 1
                if key != MERGE_KEY and key in seen:
                    duplicates.append(
                        f"line {line}: duplicate key {_shown(_join(path, key))!r} (first set at "
                        f"line {seen[key]}); Pulumi refuses a mapping with a key twice: keep one")
                seen.setdefault(key, line)
                total += size(key_node, path) + size(value_node, _join(path, key))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                total += size(item, f"{path}[{index}]")
        visiting.discard(ident)
        sizes[ident] = total
        if total > bound:
            raise YamlError([
                f"line {node.start_mark.line + 1}: {_shown(path)}: expands to more than "
                f"{bound:,} values once its anchors and aliases are expanded; forge-infra "
                f"reads at most {bound:,} (write the values out, or use fewer nested aliases)"])
        return total

    expanded = size(root, "")
    return _Walk(duplicates, expanded)


def decode_text(data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is allowed), never a binary file."""
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        raise YamlError([f"line {line}: a NUL byte at offset "
                         f"{offset}: this is a binary file, not YAML text"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YamlError([f"line {line}: byte 0x{data[exc.start]:02x} at offset {exc.start} is "
                         "not UTF-8; Pulumi reads stack files as UTF-8: save the file as "
                         "UTF-8"]) from None


def load_yaml(data: bytes, *, bound: int = MAX_EXPANDED_NODES) -> Any:
    """Parse one YAML document the way Pulumi accepts it, or raise `YamlError`.

    Duplicate keys and documents over `bound` values (aliases expanded) are refused before
    any Python value is built; an empty document is None.
    """
    text = decode_text(data)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YamlError([f"{where}not valid YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise YamlError([f"not valid YAML: {exc}"]) from None
    except RecursionError:
        raise YamlError(["not valid YAML here: the values are nested too deeply"]) from None
    if root is None:
        return None
    try:
        walk = _walk(root, bound)
    except RecursionError:
        raise YamlError(["the values are nested too deeply"]) from None
    if walk.duplicates:
        raise YamlError(walk.duplicates)
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}: " if mark else ""
        raise YamlError([f"{where}not valid YAML: {exc.problem or exc}"]) from None
    finally:
        loader.dispose()


def secure_problems(value: Any, path: str) -> list[str]:
    """Key paths whose `secure:` value is not a non-empty string (Pulumi's ciphertext is
    base64 text written by `pulumi config set --secret`)."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            secret = value["secure"]
            if isinstance(secret, str) and secret.strip():
                return []
            shown = "an empty string" if isinstance(secret, str) else (
                "null" if secret is None else f"a {type(secret).__name__}")
            return [f"{path}: secure: got {shown}; a secure value is the non-empty ciphertext "
                    f"that `pulumi config set --secret --path '{path}' VALUE` writes"]
        return [p for k, v in value.items() for p in secure_problems(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in secure_problems(v, f"{path}[{i}]")]
    return []
