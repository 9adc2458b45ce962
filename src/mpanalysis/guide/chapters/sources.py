"""Chapter I of the guide: the panorama of migration data and information sources.

:func:`build_sources_chapter` turns the chapter I analysis (:mod:`mpanalysis.analysis.sources`), its
findings (:func:`mpanalysis.analysis.findings.find_source_findings`) and figures into a
:class:`~mpanalysis.guide.document.Chapter`. Every sentence, caption and column header comes from
``data/reference/chapters/sources.yaml`` (French and English), filled with the country's numbers.

Reading order (figure and table numbers are those the findings' ``evidence`` keys cite):

1. key figures (callout, brief guide);
2. "Who collects which data?": Figure I.1 coverage map, Table I.1 sources by domain (brief) and
   Table I.2 institutions by domain (one unit per table);
3. "Gaps and what they mean": Table I.3 gaps by domain (exchanges counted as distinct information
   links, the unit of chapter II), Table I.4 stale or undated sources (when there are any), the
   findings as callouts (high severity in the brief guide) and bullets;
4. "The sources domain by domain": one section per domain (reference list first, then extra
   domains seen in the data) with a sentence and a table per sector (governmental, other);
5. "Periodicity, format and access": Figure I.2 source profile;
6. contacts of the responding institutions: a ``public`` table of those who consented to
   publication and a ``restricted`` table of everyone (no contact detail ever sits in a block
   read by every edition).

Measures (``ChapterResult.measures``; the recommendation rules of chapter IV read them):

- ``sources.n_respondents`` institutions that answered; ``sources.n_named`` institutions named as
  partners only; ``sources.n_holders`` institutions reporting at least one source; with an
  invitation list in the parameters, ``sources.n_invited``, ``sources.n_invited_respondents`` and
  ``sources.response_rate`` (:func:`mpanalysis.analysis.sources.summarize_response`; without a
  list there is no response rate);
- ``sources.n_existing``, ``sources.n_potential`` sources by status;
- ``sources.n_domains`` domains reported on, ``sources.n_domains_covered`` those with an existing
  source, ``sources.share_domains_covered`` their share, ``sources.n_core_domains_uncovered``
  core domains (``domains.csv`` ``is_core``) with no existing source;
- ``sources.n_domains_restricted_only``, ``sources.n_domains_without_exchange`` domains with
  those gaps (definitions in :mod:`mpanalysis.analysis.sources`);
- ``sources.n_stale``, ``sources.stale_share`` stale existing sources and their share of the
  existing ones; ``sources.n_unknown_year`` existing sources without an update year;
- ``sources.n_open``, ``sources.open_share`` existing sources that are public or on request;
  ``sources.n_paper``, ``sources.paper_share`` existing sources kept on paper only.

Shares are left out when undefined (no existing source).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from mpanalysis.analysis.findings import (
    Finding,
    find_source_findings,
    format_entity_name,
    format_number,
    load_finding_catalogue,
)
from mpanalysis.analysis.sources import (
    LISTING_SECTORS,
    SourcesAnalysis,
    build_sources_analysis,
    summarize_response,
)
from mpanalysis.guide.chapters.base import (
    ChapterContext,
    ChapterResult,
    apply_workshop_findings,
    build_named_institutions_table,
    mark_validated_finding,
)
from mpanalysis.guide.document import (
    BulletList,
    Callout,
    Chapter,
    Figure,
    Paragraph,
    Section,
    Table,
    protect_text,
)
from mpanalysis.guide.figures import plot_coverage_heatmap, plot_source_profile
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.reference import get_codes, get_labels
from mpanalysis.wording import guess_language, join_names, name_entities
from mpanalysis.wording.names import load_name_overrides
from mpanalysis.wording.quotes import language_note

__all__ = ["build_sources_chapter", "build_domain_summary",
           "build_contact_frame", "build_finding_blocks", "make_block_id"]

def _t(key: str, lang: str, **values: object) -> str:
    return fill_chapter_text(f"sources.{key}", lang, **values)


def make_block_id(prefix: str, *parts: str, taken: set[str] | None = None) -> str:
    """Return a figure/table id from codes (any character outside ``[A-Za-z0-9_-]`` becomes
    ``_``), made unique against ``taken`` (which it updates).

    >>> taken = set()
    >>> make_block_id("sources_domain", "santé publique", taken=taken)
    'sources_domain_sant_publique'
    >>> make_block_id("sources_domain", "santé_publique", taken=taken)
    'sources_domain_sant_publique_2'
    """
    raw = "_".join([prefix, *parts])
    base = re.sub(r"[^A-Za-z0-9_-]", "_", raw.encode("ascii", "ignore").decode())[:70]
    base = re.sub(r"_+", "_", base).strip("_")
    candidate, n = base, 1
    while taken is not None and candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    if taken is not None:
        taken.add(candidate)
    return candidate


def _text(value: object) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    return str(value)


def _as_cells(values: Iterable[object], missing: object = None) -> pd.Series:
    """Whole numbers as ``int`` (an object column, so a year never turns into 2020.0)."""
    return pd.Series([missing if pd.isna(v) else int(v) for v in values], dtype=object)


def _entity_labels(entities: pd.DataFrame, params=None, lang: str | None = None) -> dict[str, str]:
    """Entity ids → names as sentences and tables in ``lang`` show them, with the parameters'
    corrections and translations (:class:`~mpanalysis.wording.EntityName`)."""
    return name_entities(entities[[_text(e) != "" for e in entities["entity_id"]]],
                         load_name_overrides(params=params), lang)


def _names_language(names: Iterable[object]) -> str | None:
    """The language most of these names (typed by respondents) are written in, None if unclear."""
    found = [guess_language(str(n)) for n in names if isinstance(n, str)]
    counts = pd.Series([f for f in found if f]).value_counts()
    return str(counts.index[0]) if len(counts) and counts.iloc[0] * 2 > len(found) else None


def _domain_labels(domains: Iterable[str], lang: str) -> dict[str, str]:
    labels = get_labels("domains", lang)
    return {d: labels.get(d, d) for d in domains}


# ------------------------------------------------------------------------------------ tables


def build_domain_summary(analysis: SourcesAnalysis) -> pd.DataFrame:
    """Return one row per domain: counts of sources and entities, open share, stale sources.

    Columns: ``domain, n_existing, n_potential, n_governmental, n_other`` (entities reporting any
    source in the domain, by listing sector), ``n_open, open_share`` (existing sources public or
    on request; share None without existing source), ``n_stale``.

    >>> from mpanalysis.ingest.dataset import CountryDataset
    >>> from mpanalysis.ingest.schemas import make_empty_table, TABLE_COLUMNS
    >>> t = {n: make_empty_table(n) for n in TABLE_COLUMNS}
    >>> t["entities"] = pd.DataFrame({"entity_id": ["A"], "name": ["Alpha"], "sector": ["governmental"]})
    >>> t["sources"] = pd.DataFrame({"entity_id": ["A"], "source_name": ["Registre"], "domain": ["trends"],
    ...     "status": ["existing"], "access": ["public"], "last_update": [2010]})
    >>> from mpanalysis.params import CountryParams
    >>> a = build_sources_analysis(CountryDataset("SEN", **t), CountryParams(country="SEN", reference_year=2024))
    >>> row = build_domain_summary(a).iloc[0]
    >>> row["domain"], int(row["n_existing"]), int(row["n_governmental"]), float(row["open_share"]), int(row["n_stale"])
    ('trends', 1, 1, 1.0, 1)
    """
    listing, gaps, staleness = analysis.listing, analysis.gaps, analysis.staleness
    rows = []
    for domain in gaps.index:
        in_domain = listing[listing["domain"] == domain] if len(listing) else listing
        sectors = in_domain.drop_duplicates("entity_id")["sector"] if len(in_domain) else pd.Series(dtype=object)
        n_existing = int(gaps.at[domain, "n_existing"])
        n_open = int(gaps.at[domain, "n_open_existing"])
        rows.append({
            "domain": domain, "n_existing": n_existing, "n_potential": int(gaps.at[domain, "n_potential"]),
            "n_governmental": int((sectors == "governmental").sum()),
            "n_other": int((sectors != "governmental").sum()),
            "n_open": n_open, "open_share": n_open / n_existing if n_existing else None,
            "n_stale": int(((staleness["domain"] == domain) & (staleness["freshness"] == "stale")).sum()),
        })
    columns = ["domain", "n_existing", "n_potential", "n_governmental", "n_other", "n_open",
               "open_share", "n_stale"]
    return pd.DataFrame(rows, columns=columns)


def _format_share(value: float | None, lang: str) -> str | None:
    return None if value is None or pd.isna(value) else format_number("share", value, lang, percent=["share"])


def build_contact_frame(ctx: ChapterContext, *, is_consent_only: bool) -> pd.DataFrame:
    """Return the respondents' contacts in ``ctx.lang`` (headers from the chapter texts).

    With ``is_consent_only`` only respondents whose ``consent_publish_contact`` is true are kept
    (a missing answer is not a consent) and the consent column is left out.
    """
    lang = ctx.lang
    respondents = ctx.dataset.respondents
    consent = respondents["consent_publish_contact"].astype("boolean").fillna(False).astype(bool)
    if is_consent_only:
        respondents, consent = respondents[consent], consent[consent]
    names = _entity_labels(ctx.dataset.entities, ctx.params, lang)
    institution = [names.get(_text(e)) or format_entity_name(n, a) for e, n, a in
                   zip(respondents["entity_id"], respondents["institution_name"], respondents["institution_acronym"])]
    frame = pd.DataFrame({
        _t("contacts.col_institution", lang): institution,
        _t("contacts.col_name", lang): respondents["respondent_name"].astype(object).tolist(),
        _t("contacts.col_function", lang): respondents["respondent_function"].astype(object).tolist(),
        _t("contacts.col_email", lang): respondents["respondent_email"].astype(object).tolist(),
        _t("contacts.col_phone", lang): respondents["respondent_phone"].astype(object).tolist(),
    })
    if not is_consent_only:
        yes, no = _t("contacts.consent_yes", lang), _t("contacts.consent_no", lang)
        frame[_t("contacts.col_consent", lang)] = [yes if c else no for c in consent]
    order = sorted(range(len(frame)), key=lambda i: (str(frame.iat[i, 0]).casefold(), str(frame.iat[i, 1])))
    return frame.iloc[order].reset_index(drop=True)


# ------------------------------------------------------------------------------------ findings


def build_finding_blocks(findings: list[Finding], lang: str, text_prefix: str,
                         *, skip_kinds: Iterable[str] = (), names: dict[str, str] | None = None,
                         table_id: str | None = None) -> list:
    """Return findings as blocks: high and medium severity as callouts (high ones in the brief
    guide), the others as one bullet list, then the table ``table_id`` listing the institutions of
    the findings too long to name (their sentences cite it). ``text_prefix`` names the chapter
    texts holding ``finding_title_high``, ``finding_title_medium`` and ``other_findings``. The
    sentences' institution names were protected when they were filled in (they cannot cite).

    >>> from mpanalysis.analysis.findings import make_finding
    >>> blocks = build_finding_blocks([make_finding("no_coordinator")], "en", "sources.gaps")
    >>> blocks[0].kind, blocks[0].title, blocks[0].in_brief
    ('finding', 'Critical point', True)
    """
    skip = set(skip_kinds)
    rank = {"high": 0, "medium": 1, "low": 2, "info": 3}
    shown = sorted((f for f in findings if f.kind not in skip), key=lambda f: rank.get(f.severity, 9))
    blocks: list = []
    minor = []
    for finding in shown:
        text = mark_validated_finding(finding.get_text(lang), finding, lang)
        if finding.severity in ("high", "medium"):
            title = fill_chapter_text(f"{text_prefix}.finding_title_{finding.severity}", lang)
            blocks.append(Callout(kind="finding", title=title, text=text, in_brief=finding.severity == "high"))
        else:
            minor.append(text)
    if minor:
        blocks.append(Paragraph(text=fill_chapter_text(f"{text_prefix}.other_findings", lang)))
        blocks.append(BulletList(items=minor))
    table = build_named_institutions_table(shown, names or {}, lang, table_id)
    return blocks + ([table] if table is not None else [])


# ------------------------------------------------------------------------------------ chapter


def build_sources_chapter(ctx: ChapterContext) -> ChapterResult:
    """Return chapter I ("I", key ``sources``) of a country's guide, with its findings, measures
    and export tables (see the module docstring).

    >>> from mpanalysis.guide.chapters import load_chapter_context
    >>> result = build_sources_chapter(load_chapter_context("SEN", "en"))
    >>> result.chapter.number, result.chapter.title
    ('I', 'Panorama of migration data and information sources')
    >>> result.measures["sources.n_domains"] >= 4
    True
    """
    lang, dataset, params = ctx.lang, ctx.dataset, ctx.params
    analysis = build_sources_analysis(dataset, params)
    findings = apply_workshop_findings(ctx, find_source_findings(dataset, params, analysis=analysis))
    summary = build_domain_summary(analysis)
    measures = _build_measures(ctx, analysis, summary)

    blocks = [_build_key_figures(measures, analysis, lang)]
    sections = [
        _build_coverage_section(ctx, analysis, summary, measures),
        _build_gaps_section(ctx, analysis, findings),
        _build_domain_sections(ctx, analysis),
        _build_profile_section(ctx, measures),
        _build_contacts_section(ctx),
    ]
    chapter = Chapter(number="I", key="sources", title=_t("title", lang), intro=_t("intro", lang),
                      blocks=blocks, sections=sections)
    tables = {
        "coverage_existing": analysis.coverage_existing.reset_index(),
        "coverage_potential": analysis.coverage_potential.reset_index(),
        "listing": analysis.listing,
        "domain_summary": summary,
        "gaps": analysis.gaps.reset_index(),
        "staleness": analysis.staleness,
    }
    return ChapterResult(chapter=chapter, findings=findings, measures=measures, tables=tables)


def _build_measures(ctx: ChapterContext, analysis: SourcesAnalysis, summary: pd.DataFrame) -> dict[str, float]:
    dataset = ctx.dataset
    entities, sources = dataset.entities, dataset.sources
    is_respondent = entities["is_respondent"].astype("boolean").fillna(False).astype(bool)
    status = sources["status"].astype(object)
    existing = sources[status == "existing"]
    gaps, staleness = analysis.gaps, analysis.staleness
    n_existing = int(len(existing))
    n_open = int(summary["n_open"].sum())
    n_paper = int((existing["format"].astype(object) == "paper").sum())
    n_stale = int((staleness["freshness"] == "stale").sum())
    n_domains = int(len(gaps))
    n_covered = int((gaps["n_existing"] > 0).sum())
    measures: dict[str, float] = {
        "sources.n_respondents": int(is_respondent.sum()),
        "sources.n_named": int((~is_respondent).sum()),
        "sources.n_holders": int(sources["entity_id"].astype(object).nunique()),
        "sources.n_existing": n_existing,
        "sources.n_potential": int((status == "potential").sum()),
        "sources.n_domains": n_domains,
        "sources.n_domains_covered": n_covered,
        "sources.n_core_domains_uncovered": int((gaps["is_core"] & gaps["has_no_existing"]).sum()),
        "sources.n_domains_restricted_only": int(gaps["is_restricted_only"].sum()),
        "sources.n_domains_without_exchange": int(gaps["has_no_exchange"].sum()),
        "sources.n_stale": n_stale,
        "sources.n_unknown_year": int((staleness["freshness"] == "unknown_year").sum()),
        "sources.n_open": n_open,
        "sources.n_paper": n_paper,
    }
    response = summarize_response(dataset, ctx.params)
    if response.has_invitation_list:
        measures["sources.n_invited"] = response.n_invited
        measures["sources.n_invited_respondents"] = response.n_invited_respondents
        if response.response_rate is not None:
            measures["sources.response_rate"] = response.response_rate
    if n_domains:
        measures["sources.share_domains_covered"] = n_covered / n_domains
    if n_existing:
        measures["sources.stale_share"] = n_stale / n_existing
        measures["sources.open_share"] = n_open / n_existing
        measures["sources.paper_share"] = n_paper / n_existing
    return measures


def _count(measures: dict[str, float], name: str) -> int:
    return int(measures.get(f"sources.{name}", 0))


def _build_key_figures(measures: dict[str, float], analysis: SourcesAnalysis, lang: str) -> Callout:
    lines = [
        _t("key_figures.respondents", lang, n_respondents=_count(measures, "n_respondents"),
           n_named=_count(measures, "n_named")),
        *([_t("key_figures.response_rate", lang, n_invited=_count(measures, "n_invited"),
              n_invited_respondents=_count(measures, "n_invited_respondents"),
              response_rate=measures["sources.response_rate"])] if "sources.response_rate" in measures else []),
        _t("key_figures.sources", lang, n_existing=_count(measures, "n_existing"),
           n_potential=_count(measures, "n_potential"), n_holders=_count(measures, "n_holders")),
        _t("key_figures.domains_all" if _count(measures, "n_domains_covered") == _count(measures, "n_domains")
           else "key_figures.domains", lang, n_domains_covered=_count(measures, "n_domains_covered"),
           n_domains=_count(measures, "n_domains")),
        _t("key_figures.stale", lang, n_stale=_count(measures, "n_stale"),
           n_unknown=_count(measures, "n_unknown_year"), staleness_years=analysis.staleness_years,
           reference_year=analysis.reference_year),
    ]
    return Callout(kind="info", title=_t("key_figures.title", lang), text="\n".join(lines), in_brief=True)


def _build_coverage_section(ctx: ChapterContext, analysis: SourcesAnalysis, summary: pd.DataFrame,
                            measures: dict[str, float]) -> Section:
    lang = ctx.lang
    labels = _domain_labels(analysis.domains + list(summary["domain"]), lang)
    fig = plot_coverage_heatmap(analysis.coverage_existing, ctx.dataset.entities, lang,
                                potential_matrix=analysis.coverage_potential)
    listing = analysis.listing
    n_existing = _count(measures, "n_existing")
    if n_existing:
        n_governmental = int(((listing["status"] == "existing") & (listing["sector"] == "governmental")).sum())
        sentences = [_t("coverage.text", lang, n_governmental_existing=n_governmental, n_existing=n_existing)]
        top = summary.sort_values("n_existing", ascending=False, kind="stable").iloc[0]
        sentences.append(_t("coverage.top_domain", lang, domain=protect_text(labels[top["domain"]]),
                            n_top=int(top["n_existing"])))
    else:
        sentences = [_t("coverage.no_source", lang)]
    gap_domains = [labels[d] for d in summary.loc[summary["n_existing"] == 0, "domain"]]
    sentences.append(_t("coverage.gaps", lang, names=protect_text(join_names(gap_domains, lang))) if gap_domains
                     else _t("coverage.no_gap", lang))

    # Two tables, one unit each: sources (Table I.1), then institutions (Table I.2).
    columns = {k: _t(f"coverage.col_{k}", lang) for k in
               ("domain", "existing", "potential", "open_share", "stale", "governmental", "other",
                "n_institutions")}
    sources_display = pd.DataFrame({
        columns["domain"]: [labels[d] for d in summary["domain"]],
        columns["existing"]: summary["n_existing"].astype(int).tolist(),
        columns["potential"]: summary["n_potential"].astype(int).tolist(),
        columns["open_share"]: [_format_share(v, lang) for v in summary["open_share"]],
        columns["stale"]: summary["n_stale"].astype(int).tolist(),
    })
    total_open = int(summary["n_open"].sum())
    sources_display.loc[len(sources_display)] = [
        _t("coverage.total", lang), n_existing, _count(measures, "n_potential"),
        _format_share(total_open / n_existing if n_existing else None, lang), _count(measures, "n_stale")]
    institutions_display = pd.DataFrame({
        columns["domain"]: [labels[d] for d in summary["domain"]],
        columns["n_institutions"]: (summary["n_governmental"] + summary["n_other"]).astype(int).tolist(),
        columns["governmental"]: summary["n_governmental"].astype(int).tolist(),
        columns["other"]: summary["n_other"].astype(int).tolist(),
    })
    # the total row counts each institution once, however many domains it reports on
    sectors = listing.drop_duplicates("entity_id")["sector"] if len(listing) else pd.Series(dtype=object)
    n_governmental = int((sectors == "governmental").sum())
    institutions_display.loc[len(institutions_display)] = [
        _t("coverage.total", lang), int(len(sectors)), n_governmental, int(len(sectors)) - n_governmental]
    blocks = [
        Paragraph(text=" ".join(sentences), in_brief=True),
        Figure.from_plotly(fig, id="sources_coverage_map", caption=_t("coverage.figure_caption", lang),
                           alt=fig.layout.meta["alt"]).model_copy(update={"in_brief": True}),
        Table.from_frame(sources_display, id="sources_domain_summary", caption=_t("coverage.summary_caption", lang),
                         notes=[_t("coverage.summary_note", lang, staleness_years=analysis.staleness_years,
                                   reference_year=analysis.reference_year)]
                         ).model_copy(update={"in_brief": True}),
        Table.from_frame(institutions_display, id="sources_domain_institutions",
                         caption=_t("coverage.institutions_caption", lang),
                         notes=[_t("coverage.institutions_note", lang)]),
    ]
    return Section(title=_t("coverage.title", lang), blocks=blocks)


def _build_gaps_section(ctx: ChapterContext, analysis: SourcesAnalysis, findings: list[Finding]) -> Section:
    lang = ctx.lang
    gaps = analysis.gaps
    labels = _domain_labels(gaps.index, lang)
    gap_names = {flag: _t(f"gaps.gap_{name}", lang) for flag, name in
                 (("has_no_existing", "no_existing"), ("is_restricted_only", "restricted_only"),
                  ("has_no_exchange", "no_exchange"))}
    none, separator = _t("gaps.no_gap_cell", lang), _t("gaps.list_separator", lang)
    display = pd.DataFrame({
        _t("gaps.col_domain", lang): [labels[d] for d in gaps.index],
        _t("gaps.col_existing", lang): gaps["n_existing"].astype(int).tolist(),
        _t("gaps.col_open", lang): gaps["n_open_existing"].astype(int).tolist(),
        _t("gaps.col_closed", lang): gaps["n_closed_existing"].astype(int).tolist(),
        _t("gaps.col_links", lang): gaps["n_links"].astype(int).tolist(),
        _t("gaps.col_gap", lang): [separator.join(text for flag, text in gap_names.items() if bool(row[flag])) or none
                                   for _, row in gaps.iterrows()],
    })
    blocks: list = [
        Paragraph(text=_t("gaps.intro", lang, staleness_years=analysis.staleness_years,
                          reference_year=analysis.reference_year)),
        Table.from_frame(display, id="sources_gaps", caption=_t("gaps.caption", lang),
                         notes=[_t("gaps.links_note", lang)]),
    ]
    flagged = analysis.staleness[analysis.staleness["freshness"] != "current"]
    if len(flagged):
        names = _entity_labels(ctx.dataset.entities, ctx.params, lang)
        freshness = {"stale": _t("gaps.freshness_stale", lang), "unknown_year": _t("gaps.freshness_unknown_year", lang)}
        domain_rank = {d: i for i, d in enumerate(analysis.domains)}
        flagged = flagged.assign(_rank=flagged["domain"].map(lambda d: domain_rank.get(d, len(domain_rank))),
                                 _unknown=flagged["freshness"] == "unknown_year")
        flagged = flagged.sort_values(["_rank", "_unknown", "last_update", "source_name"], kind="stable")
        stale_display = pd.DataFrame({
            _t("gaps.col_domain", lang): [labels.get(d, d) for d in flagged["domain"]],
            _t("gaps.col_entity", lang): [names.get(e, e) for e in flagged["entity_id"]],
            _t("gaps.col_source", lang): flagged["source_name"].tolist(),
            _t("gaps.col_last_update", lang): _as_cells(flagged["last_update"]),
            _t("gaps.col_age", lang): _as_cells(flagged["age_years"]),
            _t("gaps.col_freshness", lang): [freshness[f] for f in flagged["freshness"]],
        })
        blocks += [Paragraph(text=_t("gaps.stale_text", lang)),
                   Table.from_frame(stale_display, id="sources_stale", caption=_t("gaps.stale_caption", lang))]
    elif len(analysis.staleness):
        blocks.append(Paragraph(text=_t("gaps.all_current", lang,
                                        oldest_current_year=analysis.reference_year - analysis.staleness_years)))
    finding_blocks = build_finding_blocks(findings, lang, "sources.gaps", skip_kinds=["sources_overview"],
                                          names=_entity_labels(ctx.dataset.entities, ctx.params, lang),
                                          table_id=load_finding_catalogue().get_named_table("I"))
    blocks += finding_blocks or [Paragraph(text=_t("gaps.no_finding", lang))]
    return Section(title=_t("gaps.title", lang), blocks=blocks)


def _build_domain_sections(ctx: ChapterContext, analysis: SourcesAnalysis) -> Section:
    lang = ctx.lang
    listing = analysis.listing
    labels = _domain_labels(analysis.domains + list(analysis.gaps.index), lang)
    value_labels = {column: get_labels(list_name, lang) for column, list_name in
                    (("kind", "source_kinds"), ("status", "source_statuses"), ("periodicity", "periodicities"),
                     ("format", "source_formats"), ("access", "source_access"))}
    not_stated = _t("domains.not_stated", lang)
    headers = {k: _t(f"domains.col_{k}", lang) for k in
               ("entity", "source", "kind", "status", "periodicity", "last_update", "format", "access")}
    taken: set[str] = set()
    entity_names = _entity_labels(ctx.dataset.entities, ctx.params, lang)
    subsections = []
    for domain in analysis.gaps.index:
        rows = listing[listing["domain"] == domain] if len(listing) else listing
        existing = rows[rows["status"] == "existing"] if len(rows) else rows
        label = labels.get(domain, domain)
        blocks: list = []
        if len(existing):
            holders = rows.drop_duplicates("entity_id")
            blocks.append(Paragraph(text=_t(
                "domains.with_sources", lang, n_entities=int(len(holders)), n_existing=int(len(existing)),
                n_potential=int(len(rows) - len(existing)),
                n_governmental=int((holders["sector"] == "governmental").sum()),
                n_other=int((holders["sector"] != "governmental").sum()))))
        elif len(rows):
            holders = [entity_names.get(_text(e), _text(e)) for e in rows.drop_duplicates("entity_id")["entity_id"]]
            blocks.append(Paragraph(text=_t("domains.potential_only", lang, n_potential=int(len(rows)),
                                            n_entities=len(holders), names=holders)))
        else:
            blocks.append(Paragraph(text=_t("domains.no_source", lang)))
        for sector in LISTING_SECTORS:
            part = rows[rows["sector"] == sector] if len(rows) else rows
            if not len(part):
                continue
            display = pd.DataFrame({
                headers["entity"]: [entity_names.get(_text(e)) or format_entity_name(n, a) for e, n, a
                                    in zip(part["entity_id"], part["entity_name"], part["entity_acronym"])],
                headers["source"]: part["source_name"].tolist(),
                **{headers[c]: [value_labels[c].get(v, v) if v else not_stated for v in part[c]]
                   for c in ("kind", "status", "periodicity")},
                headers["last_update"]: _as_cells(part["last_update"], not_stated).tolist(),
                **{headers[c]: [value_labels[c].get(v, v) if v else not_stated for v in part[c]]
                   for c in ("format", "access")},
            })
            caption = _t(f"domains.caption_{sector}", lang, domain=protect_text(label))
            given_in = _names_language(part["source_name"])
            notes = [_t("domains.names_as_given", lang, language=language_note(given_in, lang))] \
                if given_in and given_in != lang else []
            blocks.append(Table.from_frame(display, id=make_block_id("sources_domain", domain, sector, taken=taken),
                                           caption=caption, notes=notes))
        subsections.append(Section(title=protect_text(label), level=2, blocks=blocks))
    return Section(title=_t("domains.title", lang), blocks=[Paragraph(text=_t("domains.intro", lang))],
                   sections=subsections)


def _build_profile_section(ctx: ChapterContext, measures: dict[str, float]) -> Section:
    lang = ctx.lang
    sources = ctx.dataset.sources
    fig = plot_source_profile(sources, lang)
    existing = sources[sources["status"].astype(object) == "existing"]
    n_existing = int(len(existing))
    if n_existing:
        periodicity = existing["periodicity"].astype(object).dropna()
        periodicity = periodicity[periodicity != ""]
        counts = periodicity.value_counts()
        order = {c: i for i, c in enumerate(get_codes("periodicities"))}
        # ties go to the first code of the reference list, so the sentence is the same every run
        top = min(counts.index, key=lambda c: (-int(counts[c]), order.get(c, len(order)), c)) if len(counts) else None
        label = get_labels("periodicities", lang).get(top, top) if top else _t("domains.not_stated", lang)
        text = _t("profile.text", lang, n_existing=n_existing, n_open=_count(measures, "n_open"),
                  open_share=measures.get("sources.open_share", 0.0), n_paper=_count(measures, "n_paper"),
                  periodicity=protect_text(label), n_periodicity=int(counts[top]) if top else 0)
    else:
        text = _t("profile.no_existing", lang)
    blocks = [Paragraph(text=text),
              Figure.from_plotly(fig, id="sources_profile", caption=_t("profile.caption", lang),
                                 alt=fig.layout.meta["alt"])]
    return Section(title=_t("profile.title", lang), blocks=blocks)


def _build_contacts_section(ctx: ChapterContext) -> Section:
    lang = ctx.lang
    public = build_contact_frame(ctx, is_consent_only=True)
    everyone = build_contact_frame(ctx, is_consent_only=False)
    n_respondents, n_consenting = len(everyone), len(public)
    blocks: list = []
    if n_consenting:
        blocks += [
            Paragraph(text=_t("contacts.public_intro", lang, n_consenting=n_consenting, n_respondents=n_respondents),
                      audience="public"),
            Table.from_frame(public, id="sources_contacts_public", caption=_t("contacts.public_caption", lang)
                             ).model_copy(update={"audience": "public"}),
        ]
    else:
        blocks.append(Paragraph(text=_t("contacts.public_none", lang), audience="public"))
    blocks += [
        Callout(kind="warning", audience="restricted",
                text=_t("contacts.restricted_intro", lang, n_not_consenting=n_respondents - n_consenting)),
        Table.from_frame(everyone, id="sources_contacts_restricted", caption=_t("contacts.restricted_caption", lang)
                         ).model_copy(update={"audience": "restricted"}),
    ]
    return Section(title=_t("contacts.title", lang), blocks=blocks)

