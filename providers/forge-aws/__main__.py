"""The `forge-aws` component provider: its components for every Pulumi language.

`pulumi package add <this folder>` (or its path in the repository) generates a typed SDK of the
package for the program's language; the engine then runs this program to construct the
components. See docs/COMPONENTS.md.
"""

from forge_components.provider import serve

if __name__ == "__main__":
    serve("forge-aws")
