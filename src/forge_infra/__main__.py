"""The Pulumi entry point (`main: src/forge_infra/` in Pulumi.yaml): load config, build()."""

import pulumi

from forge_infra.config import ConfigError, load_from_pulumi
from forge_infra.program import build


def main() -> None:
    """Validate the stack's config, then declare its resources; config errors stop the run."""
    try:
        config = load_from_pulumi()
    except ConfigError as exc:
        # Before any resource is declared; RunError makes Pulumi print the message alone,
        # without the program's source and a traceback.
        raise pulumi.RunError(str(exc)) from None
    build(config)


# Pulumi runs this file with runpy under the name "__main__"; importing it does nothing.
if __name__ == "__main__":
    main()
