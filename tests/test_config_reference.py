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


def test_no_hand_written_key_table_duplicates_the_reference() -> None:
    """Outside the generated part, the doc explains rules; it does not list keys with their
    defaults again (such a table drifts from the models)."""
    text = reference.DOC.read_text()
    before, _, rest = text.partition(reference.BEGIN)
    after = rest.partition(reference.END)[2]
    for part in (before, after):
        headers = [line for line in part.splitlines() if line.startswith("| key |")]
        assert not [h for h in headers if "default" in h], headers
    for section in ("## Neutral keys (every cloud)", "## AWS keys"):
        body = before.split(section, 1)[1].split("\n## ", 1)[0]
        assert "key reference" in body, section
