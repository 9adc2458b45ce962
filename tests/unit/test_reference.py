"""Reference lists: every list has French and English labels for every code."""

import pytest

from mpanalysis import reference
from mpanalysis.errors import ReferenceDataError


@pytest.mark.parametrize("name", reference.LIST_NAMES)
def test_every_list_has_fr_and_en_labels(name):
    frame = reference.load_reference(name)
    assert len(frame) > 0
    for lang in ("fr", "en"):
        assert frame[f"label_{lang}"].str.strip().ne("").all(), f"{name}: empty {lang} label"


def test_core_domains_present():
    assert set(reference.get_codes("domains")) >= {"trends", "border_management", "crisis", "development"}


def test_policy_stages_in_cycle_order():
    assert reference.get_codes("policy_stages") == [
        "needs_identification", "elaboration", "implementation", "evaluation", "reformulation"]


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ReferenceDataError, match="language 'xx'"):
        reference.get_labels("domains", "xx")


def test_every_institution_type_has_a_sector():
    sectors = reference.get_attribute("institution_types", "sector")
    assert set(sectors.values()) <= set(reference.get_codes("sectors"))
    assert sectors["ministry"] == "governmental" and sectors["academia"] == "other"


def test_a_broken_reference_yaml_file_is_named_with_its_line(tmp_path):
    from mpanalysis.reference import read_reference_yaml

    texts = tmp_path / "chapters.yaml"
    texts.write_text("title:\n  fr: Titre\n  en: [Title\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"chapters\.yaml: not valid YAML at line 4"):
        read_reference_yaml(texts, "chapter texts")
    texts.write_text("- a list\n- not a mapping\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="chapter texts must be a mapping"):
        read_reference_yaml(texts, "chapter texts")
    assert read_reference_yaml(texts, "chapter texts", expect_mapping=False) == ["a list", "not a mapping"]
