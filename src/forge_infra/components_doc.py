"""The generated reference of docs/COMPONENTS.md: every served component's inputs, outputs and
defaults, with a Python and a Pulumi YAML example, from the committed package schemas.

The schemas under `forge_components/schemas/` are what the component providers serve (and what
`pulumi package add` generates the other languages' SDKs from), so the reference is written
from them and nowhere else: a default is the "Defaults to ..." sentence of the input's
description, a type is the schema's type. The reference sits between two markers at the end of
docs/COMPONENTS.md; the hand-written sections above it are left alone.

    python -m forge_infra.components_doc          # rewrite the reference in docs/COMPONENTS.md
    python -m forge_infra.components_doc --check  # exit 1 when it is out of date

tests/test_components_doc.py regenerates it from the schemas at test time and compares.
"""

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import forge_components

BEGIN = "<!-- BEGIN GENERATED: component reference (python -m forge_infra.components_doc) -->"
END = "<!-- END GENERATED: component reference -->"
SCHEMA_DIR = Path(forge_components.__file__).parent / "schemas"

EXAMPLE_VALUES: dict[str, Any] = {
    "cidrBlock": "10.0.0.0/16",
    "region": "europe-west1",
    "location": "westeurope",
    "resourceGroupName": "rg-forge",
    "vpcId": "vpc-0123456789abcdef0",
    "subnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
    "bootstrapSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
    "privateSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
    "publicSubnetIds": ["subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc2"],
    "allowedSecurityGroupIds": ["sg-0123456789abcdef0"],
    "appSecurityGroupId": "sg-0123456789abcdef0",
    "domainName": "app.example.com",
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "monthlyLimitUsd": 250,
    "monthlyLimit": 250,
    "subnetCount": 2,
}
"""Example values of common required inputs (any other gets a placeholder of its type)."""


OTHER_LANGUAGES = """\
### From another language: `pulumi package add`

Each package has a component provider under `providers/<package>/` (a `PulumiPlugin.yaml`
with `runtime: python`, the requirements that install this repository with the package's cloud
extra, and a `__main__.py` serving the package's components with Pulumi's component provider
host). From a TypeScript, Go, C# or YAML program:

```bash
pulumi package add <path-or-git-url-of-this-repository>/providers/forge-aws
```

generates the package's typed SDK in the program's language and records the package in the
program's Pulumi.yaml (`packages:`); a YAML program uses the types below directly. This Pulumi
YAML program uses two served components of `forge-aws`, the database wired to the network's
outputs:

```yaml
name: shop-data
runtime: yaml
packages:
  forge-aws: ../forge-infra/providers/forge-aws
resources:
  network:
    type: forge-aws:index:Networking
    properties:
      cidrBlock: 10.42.0.0/16
      azCount: 2
  database:
    type: forge-aws:index:Database
    properties:
      vpcId: ${network.networkId}
      subnetIds: ${network.databaseSubnetIds}
      bootstrapSubnetIds: ${network.privateSubnetIds}
      allowedSecurityGroupIds:
        - ${network.appSecurityGroupId}
      databaseName: shop
outputs:
  databaseHost: ${database.host}
  databaseSecret: ${database.credentialsSecretId}
```
"""
"""The how-to of the other languages' route, with a YAML program (tests/test_components_doc.py
checks its types, inputs and referenced outputs against the schema)."""


def package_schemas() -> dict[str, dict[str, Any]]:
    """Every committed package schema, by package name."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(SCHEMA_DIR.glob("*.json"))}


def python_paths(package: str) -> dict[str, str]:
    """Component class name -> its Python module, from the package's `COMPONENTS` list (read
    without importing any component or cloud SDK)."""
    module = importlib.import_module(forge_components.PACKAGES[package])
    return {path.partition(":")[2]: path.partition(":")[0] for path in module.COMPONENTS}


def snake(name: str) -> str:
    """A schema (camelCase) name as the Python args spell it."""
    name = re.sub(r"([a-z])([0-9])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def one_line(text: str) -> str:
    """A description on one table line."""
    return " ".join(text.split()).replace("|", "\\|")


def default_of(description: str) -> str:
    """The default an input's description states ("Defaults to X."), or ""."""
    text = " ".join(description.split())
    found = re.search(r"Defaults to (.+?)\.?$", text)
    return found.group(1) if found else ""


def type_of(spec: dict[str, Any]) -> str:
    """A property's type as the reference writes it."""
    ref = spec.get("$ref", "")
    if ref:
        return ref.rsplit(":", 1)[-1] if ref.startswith("#/types/") else ref.rsplit("/", 1)[-1]
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list[{type_of(spec.get('items', {}))}]"
    if kind == "object" and "additionalProperties" in spec:
        return f"map[{type_of(spec['additionalProperties'])}]"
    return str(kind)


def example_value(name: str, spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """An example value of a required input."""
    if name in EXAMPLE_VALUES:
        return EXAMPLE_VALUES[name]
    ref = spec.get("$ref", "")
    if ref.startswith("#/types/"):
        declared = schema["types"][ref.removeprefix("#/types/")]
        if "enum" in declared:
            return declared["enum"][0]["value"]
        return {key: example_value(key, prop, schema)
                for key, prop in sorted(declared.get("properties", {}).items())
                if key in declared.get("required", [])}
    kind = spec.get("type")
    if kind == "array":
        return [example_value(name, spec.get("items", {}), schema)]
    if kind == "object":
        return {}
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return f"example-{snake(name).replace('_', '-')}"


def python_literal(value: Any) -> str:
    """A JSON-like value as Python source."""
    return repr(value)


def yaml_value(value: Any, indent: int) -> str:
    """A value as an inline Pulumi YAML value (flow style is valid YAML)."""
    return json.dumps(value)


def component_section(package: str, token: str, resource: dict[str, Any],
                      schema: dict[str, Any], module: str) -> list[str]:
    """The reference of one component."""
    name = token.rsplit(":", 1)[-1]
    inputs: dict[str, Any] = resource.get("inputProperties", {})
    required: list[str] = resource.get("requiredInputs", [])
    summary = one_line((resource.get("description") or "").split("\n\n")[0])
    lines = [f"### `{token}`", "", f"Python: `{module}.{name}` with `{name}Args`. {summary}", "",
             "| input | Python | type | required | default | description |",
             "| --- | --- | --- | --- | --- | --- |"]
    for key, spec in sorted(inputs.items()):
        description = spec.get("description", "")
        lines.append(f"| `{key}` | `{snake(key)}` | {type_of(spec)} | "
                     f"{'yes' if key in required else ''} | "
                     f"{one_line(default_of(description)) if key not in required else ''} | "
                     f"{one_line(description)} |")
    lines += ["", "| output | type | description |", "| --- | --- | --- |"]
    for key, spec in sorted(resource.get("properties", {}).items()):
        lines.append(f"| `{key}` | {type_of(spec)} | {one_line(spec.get('description', ''))} |")
    values = {key: example_value(key, inputs[key], schema) for key in sorted(required)}
    variable = snake(name)
    python_args = "".join(f"\n    {snake(key)}={python_literal(value)},"
                          for key, value in values.items())
    lines += ["", "```python", f"from forge_components.{module.removeprefix('forge_components.')}"
              f" import {name}, {name}Args", "",
              f'{variable} = {name}("{variable.replace("_", "-")}", {name}Args({python_args}'
              + ("\n))" if values else "))"), "```", "",
              "```yaml", "resources:", f"  {variable.replace('_', '-')}:", f"    type: {token}"]
    if values:
        lines.append("    properties:")
        lines += [f"      {key}: {yaml_value(value, 6)}" for key, value in values.items()]
    lines += ["```", ""]
    return lines


def reference(schemas: dict[str, dict[str, Any]] | None = None) -> str:
    """The generated reference, markers included."""
    schemas = package_schemas() if schemas is None else schemas
    lines = [BEGIN, "", "## Reference: every served component (generated)", "",
             "Generated from the committed schemas (`forge_components/schemas/<package>.json`), "
             "which the component providers under `providers/` serve: another language's SDK "
             "(`pulumi package add`) has exactly these inputs and outputs, in these names. A "
             "Python program passes the snake_case names in the component's `Args`. The "
             "examples set the required inputs only, with example values.", "",
             OTHER_LANGUAGES]
    for package, schema in sorted(schemas.items()):
        modules = python_paths(package)
        lines += [f"## Package `{package}` (version {schema.get('version', '')})", ""]
        for token, resource in sorted(schema.get("resources", {}).items()):
            name = token.rsplit(":", 1)[-1]
            lines += component_section(package, token, resource, schema, modules[name])
        enums = {token: t for token, t in sorted(schema.get("types", {}).items()) if "enum" in t}
        objects = {token: t for token, t in sorted(schema.get("types", {}).items())
                   if "enum" not in t}
        if enums:
            lines += [f"### Enums of `{package}`", "", "| type | values |", "| --- | --- |"]
            lines += [f"| `{token.rsplit(':', 1)[-1]}` | "
                      + ", ".join(f"`{v['value']}`" for v in t["enum"]) + " |"
                      for token, t in enums.items()]
            lines.append("")
        for token, declared in objects.items():
            lines += [f"### Type `{token.rsplit(':', 1)[-1]}` of `{package}`", "",
                      "| property | type | required | description |",
                      "| --- | --- | --- | --- |"]
            lines += [f"| `{key}` | {type_of(spec)} | "
                      f"{'yes' if key in declared.get('required', []) else ''} | "
                      f"{one_line(spec.get('description', ''))} |"
                      for key, spec in sorted(declared.get("properties", {}).items())]
            lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def updated(document: str, generated: str) -> str:
    """`document` with its generated reference replaced by `generated` (appended if absent)."""
    start, end = document.find(BEGIN), document.find(END)
    if start == -1 or end == -1:
        return document.rstrip("\n") + "\n\n" + generated
    return document[:start] + generated + document[end + len(END) + 1:]


def main(argv: list[str]) -> int:
    """Rewrite (or, with --check, verify) the reference in docs/COMPONENTS.md."""
    path = Path(argv[argv.index("--doc") + 1]) if "--doc" in argv else Path(
        "docs/COMPONENTS.md")
    document = path.read_text(encoding="utf-8")
    new = updated(document, reference())
    if "--check" in argv:
        if new != document:
            print(f"{path}: the component reference is out of date; run "
                  "python -m forge_infra.components_doc", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
