"""docs/COMPONENTS.md's generated reference is current with the committed schemas.

The reference (`forge_infra.components_doc`) is regenerated here from the schemas under
`forge_components/schemas/` at test time, so a schema change without `python -m
forge_infra.components_doc` fails; its YAML examples (and the YAML program of the other
languages' route) are checked against the schemas: known types, every required input set,
no input the component lacks, only outputs it has referenced.
"""

import copy
import re
from typing import Any

import yaml

from forge_infra.components_doc import (
    BEGIN,
    END,
    default_of,
    package_schemas,
    reference,
    snake,
    updated,
)
from tests.conftest import ROOT

DOC = ROOT / "docs" / "COMPONENTS.md"


def generated_block(text: str) -> str:
    """The reference between the markers, markers included."""
    start, end = text.index(BEGIN), text.index(END)
    return text[start:end + len(END) + 1]


def test_the_reference_in_docs_is_current_with_the_committed_schemas():
    text = DOC.read_text(encoding="utf-8")
    assert generated_block(text) == reference(), (
        "docs/COMPONENTS.md's component reference is out of date: run "
        "python -m forge_infra.components_doc")


def test_the_hand_written_sections_stay_before_the_reference():
    text = DOC.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert text.endswith(END + "\n")
    assert text.index("# Using the components in your own Pulumi program") < text.index(BEGIN)


def test_every_component_of_every_schema_has_its_section_and_examples():
    block = reference()
    for schema in package_schemas().values():
        for token, resource in schema["resources"].items():
            section = block.split(f"### `{token}`\n", 1)[1].split("\n### ", 1)[0]
            for name in resource.get("inputProperties", {}):
                assert f"| `{name}` | `{snake(name)}` |" in section, (token, name)
            for name in resource.get("properties", {}):
                assert f"| `{name}` |" in section, (token, name)
            assert "```python" in section and "```yaml" in section, token


def test_every_optional_input_shows_its_default():
    block = reference()
    rows = re.findall(r"^\| `(\w+)` \| `\w+` \| [^|]+ \|  \| ([^|]*) \|", block, flags=re.M)
    assert rows, "no optional input found"
    assert [name for name, default in rows if not default.strip()] == []
    assert default_of("How many. Defaults to 3.") == "3"


def yaml_blocks(text: str) -> list[dict[str, Any]]:
    """Every YAML example of the reference, parsed."""
    return [yaml.safe_load(block) for block in
            re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)]


def check_program(program: dict[str, Any], resources: dict[str, Any]) -> list[str]:
    """What a YAML program gets wrong against the schemas' resources."""
    problems: list[str] = []
    declared = program.get("resources", {})
    for name, resource in declared.items():
        schema = resources.get(resource["type"])
        if schema is None:
            problems.append(f"{name}: unknown type {resource['type']}")
            continue
        properties = resource.get("properties", {})
        problems += [f"{name}: no input {key}" for key in properties
                     if key not in schema.get("inputProperties", {})]
        problems += [f"{name}: required {key} unset" for key in schema.get("requiredInputs", [])
                     if key not in properties]
    text = yaml.safe_dump(program)
    for resource_name, output in re.findall(r"\$\{([\w-]+)\.(\w+)\}", text):
        resource = declared.get(resource_name)
        outputs = resources.get(resource["type"], {}).get("properties", {}) if resource else {}
        if output not in outputs:
            problems.append(f"${{{resource_name}.{output}}}: no such output")
    return problems


def all_resources() -> dict[str, Any]:
    """Every served component's schema, by type token."""
    return {token: resource for schema in package_schemas().values()
            for token, resource in schema["resources"].items()}


def test_the_yaml_examples_and_program_are_valid_against_the_schemas():
    programs = yaml_blocks(reference())
    assert len(programs) == len(all_resources()) + 1
    problems = [problem for program in programs
                for problem in check_program(program, all_resources())]
    assert problems == []
    (served,) = [p for p in programs if p.get("runtime") == "yaml"]
    assert {r["type"] for r in served["resources"].values()} == {
        "forge-aws:index:Networking", "forge-aws:index:Database"}


def test_the_check_sees_a_wrong_program():
    program = {"resources": {
        "db": {"type": "forge-aws:index:Database", "properties": {"vpcID": "vpc-1"}},
        "x": {"type": "forge-aws:index:Nothing"}},
        "outputs": {"host": "${db.hostname}"}}
    problems = check_program(program, all_resources())
    assert "db: no input vpcID" in problems
    assert "db: required vpcId unset" in problems
    assert "x: unknown type forge-aws:index:Nothing" in problems
    assert "${db.hostname}: no such output" in problems


def test_a_new_component_in_a_schema_changes_the_reference():
    schemas = package_schemas()
    changed = copy.deepcopy(schemas)
    resource = copy.deepcopy(changed["forge-aws"]["resources"]["forge-aws:index:LogKey"])
    resource["description"] = "A second key."
    changed["forge-aws"]["resources"]["forge-aws:index:LogKey"] = resource
    resource["inputProperties"]["extra"] = {"type": "integer",
                                            "description": "More. Defaults to 7."}
    assert reference(changed) != reference(schemas)
    assert "| `extra` | `extra` | integer |  | 7 | More. Defaults to 7. |" in reference(changed)


def test_updating_replaces_only_the_reference():
    document = "# Title\n\nhand-written\n\n" + BEGIN + "\nold\n" + END + "\n"
    assert updated(document, BEGIN + "\nnew\n" + END + "\n") == (
        "# Title\n\nhand-written\n\n" + BEGIN + "\nnew\n" + END + "\n")
    assert updated("# Title\n", "GEN\n") == "# Title\n\nGEN\n"
