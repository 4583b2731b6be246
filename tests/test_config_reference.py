"""docs/CONFIGURATION.md's key reference is generated from the models' field docs: every field
is documented, and the file holds exactly what the generator renders
(`python -m forge_infra.model.reference` rewrites it)."""

from __future__ import annotations

from forge_infra.model import reference


def test_every_field_has_a_docstring() -> None:
    assert reference.undocumented_keys() == []


def test_the_reference_in_the_docs_is_current() -> None:
    text = reference.DOC.read_text()
    assert reference.BEGIN in text and reference.END in text
    assert reference.updated(text) == text, (
        "run: python -m forge_infra.model.reference")


def test_the_reference_lists_every_key() -> None:
    rendered = reference.render()
    for key in ("`forge-infra:environment`", "`forge-infra:services.api.image.tag`",
                "`forge-infra:network.az_count`", "`forge-infra:eks.node_instance_types`",
                "`aws:region`", "`forge-infra:budget.alert_emails`"):
        assert key in rendered, key
    assert "`forge-infra:stack`" not in rendered and "`forge-infra:target`" not in rendered
