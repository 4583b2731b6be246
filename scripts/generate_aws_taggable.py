"""Write the pulumi-aws resource types that take `tags` to forge_infra/policy/aws_taggable.json.

    python scripts/generate_aws_taggable.py [--check]

The standard-tags policy rule (`aws-resource-standard-tags`) must know which resource types can
be tagged. `tests/helpers.py::is_taggable` asks the SDK class (`tags` among the parameters of
its `_internal_init`); the policy pack cannot do that cheaply at run time (importing every
pulumi-aws module takes long, and a pack may run where pulumi-aws is another version or absent),
so the same question is answered once, here, over the installed SDK's sources, and the answer
ships as data with the SDK's version beside it. Each resource module declares its classes as
`class X(pulumi.CustomResource)`, names its type token in `super(X, __self__).__init__('aws:...'`
and lists its inputs in `def _internal_init(...)`; a type is taggable when that parameter list
has `tags`. `--check` exits 1 when the file differs from what the installed SDK gives
(`tests/policy/test_operability.py` also compares it with `is_taggable` on every type of the
stacks' plans).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "src/forge_infra/policy/aws_taggable.json"

_CLASS = re.compile(r"^class (\w+)\(pulumi\.CustomResource\):", re.MULTILINE)
_TOKEN = re.compile(r"super\((\w+), __self__\)\.__init__\(\s*'(aws:[^']+)'")
_INIT = re.compile(r"def _internal_init\(__self__,(.*?)\):\n", re.DOTALL)
_TAGS = re.compile(r"^\s*tags:", re.MULTILINE)


def taggable_types(package_dir: Path) -> list[str]:
    """The type tokens of the resources under `package_dir` (pulumi_aws) that take `tags`."""
    found = set()
    for path in sorted(package_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        starts = [(m.start(), m.group(1)) for m in _CLASS.finditer(text)]
        for index, (start, name) in enumerate(starts):
            end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
            body = text[start:end]
            token = next((t for cls, t in _TOKEN.findall(body) if cls == name), None)
            init = _INIT.search(body)
            if token and init and _TAGS.search(init.group(1)):
                found.add(token)
    return sorted(found)


def document() -> dict[str, object]:
    """The data file's content for the installed pulumi-aws."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        raise SystemExit("pulumi-aws is not installed")
    version = importlib.metadata.version("pulumi-aws")
    return {"source": f"pulumi-aws {version} (scripts/generate_aws_taggable.py)",
            "types": taggable_types(Path(spec.origin).parent)}


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the data file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file differs from the installed SDK's answer")
    args = parser.parse_args(argv)
    text = json.dumps(document(), indent=1) + "\n"
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run scripts/generate_aws_taggable.py",
                  file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
