"""The Pulumi entry point (`main: src/forge_infra/` in Pulumi.yaml): load config, build()."""

from forge_infra.config import ConfigError, load_from_pulumi
from forge_infra.program import build


def main() -> None:
    """Validate the stack's config, then declare its resources; config errors stop the run."""
    try:
        config = load_from_pulumi()
    except ConfigError as exc:
        # Raised before any resource is declared; Pulumi prints the message, not a traceback.
        import pulumi

        pulumi.log.error(str(exc))
        raise SystemExit(1) from None
    build(config)


main()
