"""Helpers of the workshop loop tests: a country's guides built in this process (the chapter
builders the notebooks call, without the notebooks' kernels), and worksheets filled as a group
would fill them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

TODAY = dt.date(2025, 10, 1)


def build_in_process(country: str, langs: tuple[str, ...] = ("fr", "en"), *,
                     is_assembly_only: bool = False) -> dict[str, Path]:
    """Build a country's full public HTML guides and open data as ``mpanalysis run`` does, the
    chapter builders called here instead of through the notebooks (seconds, not a minute).

    With ``is_assembly_only`` the saved chapters are reassembled without running the chapter
    builders again: what the authority's review and the endorsement change (they are applied
    when the guide is assembled) without the cost of the analysis."""
    from mpanalysis.batch.job import BuildOptions, compute_build_fingerprint
    from mpanalysis.guide.chapters.base import load_chapter_context, load_chapter_results, save_chapter_result
    from mpanalysis.guide.chapters.mp_process import build_mp_process_chapter
    from mpanalysis.guide.chapters.policy_cycle import build_policy_cycle_chapter
    from mpanalysis.guide.chapters.recommendations import build_recommendations_chapter, load_earlier_chapters
    from mpanalysis.guide.chapters.sources import build_sources_chapter
    from mpanalysis.paths import outputs_dir
    from mpanalysis.publish.assemble import CHAPTER_KEYS, assemble_guide, make_guide_stem
    from mpanalysis.publish.opendata import write_open_data
    from mpanalysis.render import render_guide

    base = outputs_dir(country)
    fingerprint = compute_build_fingerprint(country, BuildOptions())
    written = {}
    for lang in langs:
        work = base / "work" / lang
        ctx = load_chapter_context(country, lang)
        if not is_assembly_only:
            save_chapter_result(build_sources_chapter(ctx), work)
            save_chapter_result(build_policy_cycle_chapter(ctx, output_dir=work), work)
            save_chapter_result(build_mp_process_chapter(ctx), work)
            earlier = load_earlier_chapters(work, lang)
            save_chapter_result(build_recommendations_chapter(ctx, earlier.findings, earlier.measures,
                                                              chapters=earlier.chapters), work)
        provenance = {"params_hash": fingerprint["params_file"], "endorsement_status": ctx.params.endorsement.status}
        guide = assemble_guide(ctx, work, edition="public", length="full", provenance=provenance, today=TODAY,
                               chapters=load_chapter_results(work, list(CHAPTER_KEYS)))
        written[lang] = render_guide(guide, base / "guides", make_guide_stem(country, lang, "public", "full"),
                                     ("html",))["html"]
        if lang == langs[0] and not is_assembly_only:
            write_open_data(ctx, base / "data", network_dir=work / "network", tables_dir=work / "tables")
    return written


def fill_cells(path: Path, sheet: str, rows: dict[str, dict[str, str]], key_column: str | None = None) -> None:
    """Fill a worksheet's cells as a group would: ``rows`` maps a row's key (the value of its first
    column, or of ``key_column``) to ``{column header: value}``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    key_index = header.index(key_column) if key_column else 0
    found = set()
    for row in ws.iter_rows(min_row=2):
        key = row[key_index].value
        if key is not None and str(key) in rows:
            found.add(str(key))
            for column, value in rows[str(key)].items():
                row[header.index(column)].value = value
    assert found == set(rows), f"rows not found in {sheet}: {set(rows) - found}"
    wb.save(path)
