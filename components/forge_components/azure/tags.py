"""The Azure tagging rule of the components: the caller's tags plus the component."""

#: Azure tag names are at most 512 characters and values at most 256; names may not contain
#: `<`, `>`, `%`, `&`, `\`, `?` or `/`. Source: "Tag resources ... Limitations",
#: https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources
_NAME_MAX = 512
_VALUE_MAX = 256
_FORBIDDEN_IN_NAMES = set("<>%&\\?/")


def resource_tags(component: str, tags: dict[str, str],
                  specific: dict[str, str] | None = None) -> dict[str, str]:
    """Tags for one child: the caller's tags, `component` (the type token), child-specific tags.

    A ValueError names the tags Azure would refuse.
    """
    merged = {**dict(tags), "component": component, **dict(specific or {})}
    bad = {key: value for key, value in merged.items()
           if not key or len(key) > _NAME_MAX or len(value) > _VALUE_MAX
           or _FORBIDDEN_IN_NAMES & set(key)}
    if bad:
        raise ValueError(f"tags {bad} are not Azure tags: names of 1-512 characters without "
                         "<>%&\\?/ and values of at most 256 characters")
    return merged
