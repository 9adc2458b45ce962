"""The workshop's slides (mpanalysis.workshop.kit.build_deck_guide): what the deck keeps of the
brief guide, the findings numbered F1…Fn, their citations resolved to the deck's own tables (or the
draft guide's when a table would take several slides), and the PRELIMINARY mark."""

from __future__ import annotations

import dataclasses
import datetime as dt

from workshop_examples import make_kit_state

from mpanalysis.analysis.findings import Finding
from mpanalysis.guide.document import Chapter, Paragraph, Table, number_guide
from mpanalysis.publish.regional.slides import build_slides, build_slides_html
from mpanalysis.workshop.kit import build_deck_guide

NAMED = "network_named_institutions"


def _state(n_named_rows: int = 2):
    """The example state with a saved chapter II: a key message citing a table the deck shows, one
    citing a table only the full guide has, and a finding citing the table of named institutions."""
    chapter = Chapter(number="II", key="policy_cycle", title="Network", blocks=[
        Paragraph(text="Table {num:shown} lists the brokers.", in_brief=True),
        Paragraph(text="Table {num:full_only} lists every indicator.", in_brief=True),
        Table(id="shown", caption="Brokers", columns=["Institution"], rows=[["MOI"]], in_brief=True),
        Table(id="full_only", caption="Indicators", columns=["Indicator"], rows=[["Reach"]]),
        Table(id="restricted", caption="Contacts", columns=["Name"], rows=[["A. B."]], in_brief=True,
              audience="restricted"),
        Table(id=NAMED, caption="Institutions of the chapter's findings", columns=["Finding", "Institutions"],
              rows=[[f"Finding {i}", ", ".join(f"Institution number {j}" for j in range(20))]
                    for i in range(n_named_rows)]),
    ])
    finding = Finding(id="network.silent", kind="silent", severity="medium", chapter="II", evidence="figure II.1",
                      text={"en": "The 12 institutions (see {ref:" + NAMED + "}) share nothing.",
                            "fr": "Les 12 institutions (voir {ref:" + NAMED + "}) ne partagent rien."})
    state = make_kit_state("en")
    return dataclasses.replace(state, chapters=[chapter], findings=[*state.findings[:1], finding,
                                                                    *state.findings[2:]])


def _findings_cell(guide) -> str:
    table = next(b for c in guide.chapters for b in c.blocks if getattr(b, "id", "") == "kit_findings_policy_cycle")
    return next(row[1] for row in table.rows if row[0] == "F2")


def test_the_deck_keeps_what_the_brief_guide_shows_and_the_messages_it_can_cite():
    guide = build_deck_guide(_state(), dt.date(2025, 10, 1))
    chapter = next(c for c in guide.chapters if c.key == "policy_cycle")
    ids = [getattr(b, "id", None) for b in chapter.blocks]
    assert ids == [None, "shown", "kit_findings_policy_cycle", NAMED]  # no full-guide-only, no restricted table
    assert [b.text for b in chapter.blocks if isinstance(b, Paragraph)] == ["Table {num:shown} lists the brokers."]
    assert guide.is_draft and [c.number for c in guide.chapters] == ["A", "II", "IV"]


def test_a_finding_cites_the_deck_own_table_of_named_institutions():
    guide = build_deck_guide(_state(), dt.date(2025, 10, 1))
    label = number_guide(guide).labels[NAMED]
    assert label == "Table II.3"
    assert _findings_cell(guide) == f"The 12 institutions (see {label}) share nothing."


def test_a_table_of_names_too_long_for_a_slide_is_cited_in_the_draft_guide():
    guide = build_deck_guide(_state(n_named_rows=12), dt.date(2025, 10, 1))
    assert NAMED not in number_guide(guide).labels
    assert _findings_cell(guide) == "The 12 institutions (see Table II.3 of the draft guide) share nothing."  # II.3: the public guide


def test_the_deck_is_marked_preliminary_on_every_slide_with_the_findings_numbered():
    guide = build_deck_guide(_state(), dt.date(2025, 10, 1))
    marks = {"draft_mark": "PRELIMINARY", "draft_notice": "Do not cite."}
    page = build_slides_html(guide, kind_label="National validation workshop", marks=marks)
    slides = build_slides(guide)
    assert page.count("PRELIMINARY") >= len(slides) and "{num:shown}" not in page and "{ref:" + NAMED not in page
    assert [s.label for s in slides if s.kind == "table"][:2] == ["Table A.1", "Table II.1"]
    # F1…F3 in chapter order: the sources finding, the network finding, the profile finding
    assert [row[0] for b in guide.chapters[1].blocks if getattr(b, "id", "") == "kit_findings_policy_cycle"
            for row in b.rows] == ["F2"]
