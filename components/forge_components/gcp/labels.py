"""The GCP labelling rule of the components: lower-case keys and values, the component."""

import re

#: GCP label keys and values: lower-case letters, digits, `_` and `-`, at most 63 characters;
#: keys start with a letter. Source: "Labels" requirements,
#: https://cloud.google.com/resource-manager/docs/labels-overview#requirements
_LABEL = re.compile(r"[a-z0-9_-]{0,63}")
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")


def resource_labels(component: str, labels: dict[str, str],
                    specific: dict[str, str] | None = None) -> dict[str, str]:
    """Labels for one child: the caller's labels, the component, child-specific labels.

    `component` is the type token (`forge-gcp:index:Database`), written as a label value
    (`forge-gcp-database`). Keys and values must already be valid GCP labels.
    """
    merged = {**dict(labels), "component": component_label(component), **dict(specific or {})}
    bad = {key: value for key, value in merged.items()
           if not _LABEL_KEY.fullmatch(key) or not _LABEL.fullmatch(value)}
    if bad:
        raise ValueError(f"labels {bad} are not GCP labels: keys and values are lower-case "
                         "letters, digits, '_' or '-', at most 63 characters, keys start with "
                         "a letter")
    return merged


def component_label(component: str) -> str:
    """`forge-gcp:index:Database` -> `forge-gcp-database`."""
    package, _, kind = component.partition(":index:")
    return f"{package}-{kind}".lower()
