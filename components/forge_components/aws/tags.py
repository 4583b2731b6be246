"""The AWS tagging rule of the components: a `Name` tag, the stack's tags, the component."""


def resource_tags(child_name: str, component: str, tags: dict[str, str],
                  specific: dict[str, str] | None = None) -> dict[str, str]:
    """Tags for one child: `{"Name": child} | global tags | component | child-specific tags`.

    `Name` is what the AWS console shows for a resource; `component` is the type token of the
    component that declared it.
    """
    return {"Name": child_name, **dict(tags), "component": component, **dict(specific or {})}
