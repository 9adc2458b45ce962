"""The regional synthesis document (chapters and method annex) and its written outputs (HTML, PDF, slides)."""

from __future__ import annotations

import datetime as dt
import html
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from babel.numbers import format_decimal, format_percent

from mpanalysis.guide.chapters.front import cite_evidence
from mpanalysis.guide.document import (
    BulletList,
    Callout,
    Chapter,
    Figure,
    Guide,
    KeyMessage,
    Paragraph,
    Table,
)
from mpanalysis.paths import outputs_dir
from mpanalysis.publish.regional.data import (
    N_COMMON_RECOMMENDATIONS,
    NETWORK_INDICATORS,
    SHARE_INDICATORS,
    RegionData,
    build_challenge_comparison,
    build_challenge_ranking,
    build_common_recommendations,
    build_coverage_comparison,
    build_network_comparison,
    build_recommendation_counts,
    build_region_milestones,
    collect_region,
    get_rule_label,
    list_overdue_milestones,
)
from mpanalysis.publish.regional.figures import (
    _indicator_text,
    plot_challenge_heatmap,
    plot_coverage_comparison,
    plot_network_comparison,
    plot_recommendation_counts,
    plot_region_timeline,
)
from mpanalysis.publish.regional.slides import write_slides
from mpanalysis.publish.regional.texts import MAX_NAMED_COUNTRIES, REGION_CODE, _list, _node, _pick, _t, _tn
from mpanalysis.reference import get_codes, get_labels
from mpanalysis.wording.typography import format_date_text
from mpanalysis.wording.rules import babel_locale
from mpanalysis.wording.typography import punctuate

# --------------------------------------------------------------------------------------------
# The synthesis document


def _describe_progress(milestones: pd.DataFrame, lang: str) -> tuple[str, str | None, str]:
    """Return (last stage completed, its date, current or next stage) written in ``lang``."""
    stage_labels = get_labels("milestones", lang)
    stage_order = list(get_codes("milestones"))
    done = milestones[milestones["state"] == "done"]
    if len(done):
        last = done.sort_values(["order", "start"], kind="stable").iloc[-1]
        last_date = last["start"] if pd.isna(last["end"]) else last["end"]
        last_label = stage_labels.get(last["stage"], last["stage"])
        last_text = format_date_text(last_date, lang, "medium")
    else:
        last, last_label, last_text = None, _t("exercise.none", lang), None
    ongoing = milestones[milestones["state"] == "ongoing"]
    planned = milestones[milestones["state"] == "planned"].sort_values(["order", "start"], kind="stable")
    if len(ongoing):
        current = _t("exercise.ongoing_suffix", lang, stage=stage_labels[ongoing.iloc[0]["stage"]])
    elif len(planned):
        row = planned.iloc[0]
        if "is_overdue" in planned.columns and row["is_overdue"]:
            current = _t("exercise.overdue_suffix", lang, stage=stage_labels[row["stage"]],
                         date=format_date_text(row["due"], lang, "medium"))
        else:
            current = _t("exercise.planned_suffix", lang, stage=stage_labels[row["stage"]],
                         date=format_date_text(row["start"], lang, "medium"))
    else:
        position = stage_order.index(last["stage"]) + 1 if last is not None else 0
        current = (stage_labels[stage_order[position]] if position < len(stage_order)
                   else _t("exercise.completed", lang))
    return last_label, last_text, current


def _overdue_items(region: RegionData, lang: str) -> list[str]:
    """The overdue stages, "country, stage (due date)" each, the longest overdue first."""
    stage_labels = get_labels("milestones", lang)
    names = region.names(lang)

    def stage(code: str) -> str:
        label = stage_labels.get(code, code)
        return label[:1].lower() + label[1:]  # mid-sentence

    return [_t("exercise.overdue_item", lang, country=names[row.country], stage=stage(row.stage),
               date=format_date_text(row.due, lang, "long"))
            for row in list_overdue_milestones(region).itertuples()]


def _overdue_sentence(region: RegionData, items: list[str], lang: str) -> str:
    return _tn("exercise.overdue", lang, {"n_overdue": len(items)}, date=format_date_text(region.today, lang, "long"),
               items=(" ; " if lang == "fr" else "; ").join(items))


def _build_exercise_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    status_labels = get_labels("endorsement_statuses", lang)
    statuses = []
    for status in reversed(get_codes("endorsement_statuses")):  # most advanced first
        names = [s.get_name(lang) for s in ordered if s.params.endorsement.status == status]
        if names:
            statuses.append(_t("exercise.status_group", lang, status=status_labels[status],
                               countries=_list(names, lang)))
    blocks: list = [Paragraph(in_brief=True, text=_tn("exercise.status", lang, {"n_countries": len(ordered)},
                                                      statuses=_join_items(statuses, lang)))]
    milestones = build_region_milestones(region)
    if len(milestones):
        first = milestones.sort_values("start", kind="stable").iloc[0]
        n_published = int(((milestones["stage"] == "publication") & (milestones["state"] == "done")).sum())
        text = _tn("exercise.started", lang, {"n_published": n_published},
                   first_date=format_date_text(first["start"], lang, "long"),
                   country=region.names(lang)[first["country"]])
        months = []
        for snapshot in region.snapshots:
            table = snapshot.milestones.drop_duplicates("stage").set_index("stage")
            has_both = {"expression_of_interest", "workshop"} <= set(table.index)
            if has_both and table.at["workshop", "state"] != "planned":
                days = (table.at["workshop", "start"] - table.at["expression_of_interest", "start"]).days
                months.append(days / 30.44)
        if months:
            text += " " + _tn("exercise.median_months", lang,
                              {"n_months": round(statistics.median(months), 1), "n_with": len(months)})
        blocks.append(Paragraph(text=text))
    overdue = _overdue_items(region, lang)
    if overdue:
        blocks.append(Callout(kind="warning", title=_t("exercise.overdue_title", lang), in_brief=True,
                              text=_overdue_sentence(region, overdue, lang)))
    rows = []
    for snapshot in ordered:
        last, last_date, current = _describe_progress(milestones[milestones["country"] == snapshot.country], lang)
        rows.append([snapshot.get_name(lang), status_labels[snapshot.params.endorsement.status],
                     last, last_date, current])
    columns = [_t(f"exercise.col_{k}", lang) for k in ("country", "status", "last_stage", "last_date", "current")]
    blocks.append(Table(id="regional_status", caption=_t("exercise.status_caption", lang), columns=columns,
                        rows=rows, in_brief=True))
    if len(milestones):
        states = milestones["state"].value_counts()
        blocks.append(_figure(
            plot_region_timeline(region, lang), id="regional_timeline", in_brief=True,
            caption=_t("exercise.gantt_caption", lang),
            alt=_tn("exercise.gantt_alt", lang, {
                "n_rows": len(milestones), "n_countries": milestones["country"].nunique(),
                "n_done": int(states.get("done", 0)), "n_ongoing": int(states.get("ongoing", 0)),
                "n_planned": int(states.get("planned", 0))}),
            notes=[_t("exercise.gantt_note", lang)]))
    else:
        blocks.append(Paragraph(text=_t("exercise.no_milestone", lang)))
    return Chapter(number="I", key="regional_exercise", title=_t("exercise.title", lang),
                   intro=_t("exercise.intro", lang), blocks=blocks)


def _build_coverage_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    coverage = build_coverage_comparison(region)
    domain_labels = get_labels("domains", lang)
    domains = list(dict.fromkeys(coverage["domain"]))
    gaps = coverage[coverage["has_gap"]]
    blocks: list = []
    if len(gaps):
        items = []
        for domain in domains:
            countries = [names[c] for c in names if c in set(gaps.loc[gaps["domain"] == domain, "country"])]
            if countries:
                items.append(_t("coverage.gap_item", lang, domain=domain_labels.get(domain, domain),
                                countries=_list(countries, lang)))
        text = _tn("coverage.gaps", lang, {"n_gap_countries": gaps["country"].nunique(), "n_countries": len(ordered)},
                   gap_list=_join_items(items, lang))
    else:
        text = _tn("coverage.no_gap", lang, {"n_domains": len(domains)})
    blocks.append(Paragraph(text=text, in_brief=True))
    totals = coverage.groupby("domain", sort=False)["n_existing"].sum().loc[domains]
    best, worst = totals.idxmax(), totals.idxmin()
    if best != worst:
        blocks.append(Paragraph(text=_tn("coverage.extremes", lang, {"n_best": int(totals[best]),
                                                                      "n_worst": int(totals[worst])},
                                         best=domain_labels.get(best, best), worst=domain_labels.get(worst, worst))))
    gap_descriptions = [f"{domain_labels.get(d, d)} – {names[c]}" for c in names for d in domains
                        if ((gaps["country"] == c) & (gaps["domain"] == d)).any()]
    blocks.append(_figure(
        plot_coverage_comparison(coverage, names, lang), id="regional_coverage_map", in_brief=True,
        caption=_t("coverage.figure_caption", lang),
        alt=_tn("coverage.figure_alt", lang, {"n_domains": len(domains), "n_countries": len(names),
                                               "n_min": int(coverage["n_existing"].min()),
                                               "n_max": int(coverage["n_existing"].max())},
                gaps=_list(gap_descriptions, lang) or _t("coverage.none_gap", lang)),
        notes=[_t("coverage.figure_note", lang)]))
    existing = coverage.pivot(index="domain", columns="country", values="n_existing").loc[domains, list(names)]
    rows = []
    for domain in domains:
        gap_countries = [names[c] for c in names if existing.at[domain, c] == 0]
        rows.append([domain_labels.get(domain, domain), *[int(existing.at[domain, c]) for c in names],
                     int(existing.loc[domain].sum()), ", ".join(gap_countries) or _t("coverage.none", lang)])
    columns = [_t("coverage.col_domain", lang), *names.values(), _t("coverage.col_total", lang),
               _t("coverage.col_gap_countries", lang)]
    blocks.append(Table(id="regional_coverage", caption=_t("coverage.table_caption", lang), columns=columns,
                        rows=rows, notes=[_t("coverage.table_note", lang)]))
    return Chapter(number="II", key="regional_coverage", title=_t("coverage.title", lang),
                   intro=_t("coverage.intro", lang), blocks=blocks)


def _figure(fig: go.Figure, **fields: Any) -> Figure:
    return Figure(plotly_json=fig.to_json(), **fields)


def _median(values: Iterable[float]) -> float | None:
    defined = [float(v) for v in values if v == v and v is not None]
    return statistics.median(defined) if defined else None


def _build_network_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    network = build_network_comparison(region)
    not_defined = _t("network.not_defined", lang)

    def shown(key: str) -> str:
        value = _median(network[key])
        return not_defined if value is None else format_percent(value, locale=babel_locale(lang))

    blocks: list = [Paragraph(in_brief=True, text=_t(
        "network.median", lang, formal_share=shown("formal_share"),
        confirmation_rate=shown("confirmation_rate"), coordinator_rate=shown("coordinator_reach")))]
    blocks.append(Paragraph(text=_tn("network.fragility", lang, {
        "n_cut": int(network["n_cut_vertices"].sum()), "n_silos": int(network["n_silos"].sum())})))
    items, summaries = [], []
    for key in ("response_rate", "density", "formal_share", "confirmation_rate", "coordinator_reach"):
        column = network[key].dropna()
        label = _t(f"network.indicators.{key}", lang)
        if column.empty:
            continue
        low, high = column.idxmin(), column.idxmax()
        if column[low] == column[high]:
            item = _t("network.equal_item", lang, label=label, value=_indicator_text(key, column[low], lang))
        else:
            item = _t("network.range_item", lang, label=label,
                      low=_indicator_text(key, column[low], lang), low_country=names[low],
                      high=_indicator_text(key, column[high], lang), high_country=names[high])
        items.append(item)
        summaries.append(item)
    if items:
        blocks.append(BulletList(items=items))
    # One row per indicator, one column per country: ten indicators side by side would not fit
    # a page, countries do (and the coverage table reads the same way).
    rows = [[_t(f"network.indicators.{k}", lang), *[_table_indicator(k, network.at[c, k], lang) for c in names]]
            for k in NETWORK_INDICATORS]
    columns = [_t("network.col_indicator", lang), *names.values()]
    blocks.append(Table(id="regional_network", caption=_t("network.table_caption", lang), columns=columns,
                        rows=rows, in_brief=True, notes=[_t("network.table_note", lang)]))
    blocks.append(_figure(
        plot_network_comparison(network, names, lang), id="regional_network_indicators", in_brief=True,
        caption=_t("network.figure_caption", lang),
        alt=_t("network.figure_alt", lang, summary=("; ".join(summaries) or not_defined))))
    return Chapter(number="III", key="regional_network", title=_t("network.title", lang),
                   intro=_t("network.intro", lang), blocks=blocks)


def _table_indicator(key: str, value: float, lang: str) -> str | None:
    """A table cell: every indicator written as text, so a column mixing shares, counts and the
    density still reads the same way in every format."""
    if value != value:
        return None
    return _indicator_text(key, value if key in SHARE_INDICATORS or key == "density" else int(value), lang)


def _build_challenges_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    comparison = build_challenge_comparison(region)
    ranking = build_challenge_ranking(comparison)
    labels = get_labels("challenges", lang)
    ranked = ranking[ranking["n_countries"] > 0]
    blocks: list = []
    if ranked.empty:
        return Chapter(number="IV", key="regional_challenges", title=_t("challenges.title", lang),
                       intro=_t("challenges.intro", lang))
    top = ranked.index[0]
    blocks.append(Paragraph(in_brief=True, text=_tn(
        "challenges.top", lang, {"mean_severity": round(float(ranked.at[top, "mean_severity"]), 1),
                                 "prevalence_share": float(ranked.at[top, "prevalence"]),
                                 "n_top": int(ranked.at[top, "n_top"]), "n_countries": len(ordered)},
        label=labels.get(top, top))))
    severities = comparison["mean_severity"].astype(float).dropna()
    blocks.append(_figure(
        plot_challenge_heatmap(comparison, ranking, names, lang), id="regional_challenges_map", in_brief=True,
        caption=_t("challenges.heatmap_caption", lang),
        alt=_tn("challenges.heatmap_alt", lang, {"n_challenges": len(ranked), "n_countries": len(names)},
                low=format_decimal(round(float(severities.min()), 1), locale=babel_locale(lang)),
                high=format_decimal(round(float(severities.max()), 1), locale=babel_locale(lang)),
                top=labels.get(top, top))))
    rows = []
    for code, row in ranked.iterrows():
        top_in = [names[c] for c in names
                  if ((comparison["country"] == c) & (comparison["challenge"] == code)
                      & (pd.to_numeric(comparison["rank"], errors="coerce") == 1)).any()]
        rows.append([int(row["rank"]), labels.get(code, code), round(float(row["mean_severity"]), 2),
                     format_percent(float(row["prevalence"]), locale=babel_locale(lang)), round(float(row["score"]), 2),
                     ", ".join(top_in) or "–"])
    columns = [_t(f"challenges.col_{k}", lang) for k in ("rank", "challenge", "mean_severity", "prevalence",
                                                          "score", "top_in")]
    blocks.append(Table(id="regional_challenge_ranking", caption=_t("challenges.ranking_caption", lang),
                        columns=columns, rows=rows, in_brief=True, notes=[_t("challenges.ranking_note", lang)]))
    return Chapter(number="IV", key="regional_challenges", title=_t("challenges.title", lang),
                   intro=_t("challenges.intro", lang), blocks=blocks)


def _build_recommendations_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    counts = build_recommendation_counts(region)
    category_labels = get_labels("recommendation_categories", lang)
    totals = counts.sum(axis=0)
    n_total = int(totals.sum())
    title, intro = _t("recommendations.title", lang), _t("recommendations.intro", lang)
    if n_total == 0:
        return Chapter(number="V", key="regional_recommendations", title=title, intro=intro,
                       blocks=[Paragraph(text=_t("recommendations.none", lang), in_brief=True)])
    low, high = totals.idxmin(), totals.idxmax()
    by_category = counts.sum(axis=1)
    category = by_category.idxmax()
    n_workshop = sum(1 for s in region.snapshots for r in s.recommendations if r.origin == "workshop")
    blocks: list = [Paragraph(in_brief=True, text=_tn(
        "recommendations.totals", lang,
        {"n_total": n_total, "n_low": int(totals[low]), "n_high": int(totals[high]), "n_workshop": n_workshop,
         "category_share": float(by_category[category]) / n_total},
        low_country=names[low], high_country=names[high], category=category_labels.get(category, category)))]
    common = build_common_recommendations(region)
    everywhere = common[common["n_countries"] == len(ordered)] if len(ordered) > 1 else common.iloc[0:0]
    if len(everywhere):
        # a rule that applies in every country is a regional recommendation, stated once
        from mpanalysis.analysis.recommendations import get_rule_labels, load_rules

        rules = {r.id: r for r in load_rules()}
        timeframes = get_rule_labels("timeframe", lang)
        ranked = everywhere.sort_values(["priority_order", "order"], kind="stable")
        blocks.append(Paragraph(in_brief=True, text=_tn(
            "recommendations.common", lang, {"n_common": len(everywhere), "n_countries": len(ordered)})))
        rows = [[rules[rule_id].text[lang],
                 category_labels.get(rules[rule_id].category, rules[rule_id].category),
                 timeframes[rules[rule_id].timeframe]] for rule_id in ranked["rule_id"]]
        blocks.append(Table(id="regional_recommendations", caption=_t("recommendations.regional_caption", lang),
                            columns=[_t(f"recommendations.col_{k}", lang) for k in ("recommendation", "category",
                                                                                    "timeframe")],
                            rows=rows, in_brief=True))
    elif len(common):
        first = common.iloc[0]
        blocks.append(Paragraph(text=_tn(
            "recommendations.no_common", lang, {"n_top": int(first["n_countries"]), "n_countries": len(ordered)},
            label=get_rule_label(first["rule_id"], lang))))
    blocks.append(_figure(
        plot_recommendation_counts(counts, names, lang), id="regional_recommendation_counts", in_brief=True,
        caption=_t("recommendations.chart_caption", lang),
        alt=_tn("recommendations.chart_alt", lang,
                {"n_countries": len(names), "n_low": int(totals.min()), "n_high": int(totals.max()),
                 "n_categories": int((by_category > 0).sum())},
                category=category_labels.get(category, category))))
    if len(common):
        all_label = _t("document.all_countries", lang)
        rows = []
        # the first N, and every rule as widespread as the N-th: a cut inside a tie would be arbitrary
        cut = common["n_countries"].iloc[min(N_COMMON_RECOMMENDATIONS, len(common)) - 1]
        shown_rows = common[common["n_countries"] >= cut]
        for row in shown_rows.itertuples():
            shown = [names[c] for c in names if c in row.countries]
            rows.append([get_rule_label(row.rule_id, lang), category_labels.get(row.category, row.category),
                         f"{row.n_countries} / {len(ordered)}",
                         all_label if len(shown) == len(ordered) else ", ".join(shown)])
        columns = [_t(f"recommendations.col_{k}", lang) for k in ("recommendation", "category", "n_countries",
                                                                   "countries")]
        blocks.append(Table(id="regional_common_recommendations", caption=_t("recommendations.common_caption", lang),
                            columns=columns, rows=rows, in_brief=True,
                            notes=[_t("recommendations.common_note", lang)]))
    return Chapter(number="V", key="regional_recommendations", title=title, intro=intro, blocks=blocks)


def _build_key_messages(region: RegionData, lang: str) -> Chapter:
    """The synthesis' key messages: how many guides are endorsed, the overdue stages, the coverage
    gaps, the median share of formal exchanges, the most pressing challenge, the recommendations
    that apply everywhere; each with its key number and the figure or table that shows it."""
    ordered = region.ordered(lang)
    n_countries = len(ordered)
    messages: list[KeyMessage] = []

    def add(headline: str, text: str, block_id: str) -> None:
        messages.append(KeyMessage(headline=headline, text=cite_evidence(text, ["{ref:" + block_id + "}"], lang)))

    n_final = sum(s.is_final for s in ordered)
    counts = {"n_final": n_final, "n_countries": n_countries}
    status_key = "status_none" if n_final == 0 else "status_all" if n_final == n_countries else "status"
    add(_tn("key_messages.status_headline", lang, counts), _tn(f"key_messages.{status_key}", lang, counts),
        "regional_status")
    overdue = list_overdue_milestones(region)
    if len(overdue):
        names = region.names(lang)
        countries = [names[c] for c in dict.fromkeys(overdue["country"])]
        add(format_decimal(len(overdue), locale=lang),
            _tn("key_messages.overdue", lang, {"n_overdue": len(overdue), "n_late_countries": len(countries)},
                date=format_date_text(region.today, lang, "long"), countries=_list(countries, lang)),
            "regional_timeline")
    coverage = build_coverage_comparison(region)
    gaps = coverage[coverage["has_gap"]]
    if len(gaps):
        names = region.names(lang)
        domain_labels = get_labels("domains", lang)
        items = [_t("coverage.gap_item", lang, domain=domain_labels.get(d, d),
                    countries=_list([names[c] for c in gaps.loc[gaps["domain"] == d, "country"]], lang))
                 for d in dict.fromkeys(gaps["domain"])]
        values = {"n_gap_countries": gaps["country"].nunique(), "n_countries": n_countries}
        add(_tn("key_messages.coverage_headline", lang, values),
            _tn("key_messages.coverage", lang, values, gap_list=(" ; " if lang == "fr" else "; ").join(items)),
            "regional_coverage_map")
    formal_share = _median(build_network_comparison(region)["formal_share"])
    if formal_share is not None:
        add(format_percent(formal_share, locale=lang),
            _tn("key_messages.network", lang, {"formal_share": formal_share}), "regional_network")
    ranking = build_challenge_ranking(build_challenge_comparison(region))
    ranked = ranking[ranking["n_countries"] > 0]
    if len(ranked):
        top = ranked.index[0]
        prevalence = float(ranked.at[top, "prevalence"])
        add(format_percent(prevalence, locale=lang),
            _tn("key_messages.challenge", lang, {"prevalence_share": prevalence, "n_top": int(ranked.at[top, "n_top"]),
                                                 "n_countries": n_countries},
                label=get_labels("challenges", lang).get(top, top)),
            "regional_challenges_map")
    common = build_common_recommendations(region)
    n_common = int((common["n_countries"] == n_countries).sum()) if len(common) else 0
    if n_common:
        add(format_decimal(n_common, locale=lang),
            _tn("key_messages.common", lang, {"n_common": n_common, "n_countries": n_countries}),
            "regional_common_recommendations")
    return Chapter(number="KM", key="regional_key_messages", title=_t("key_messages.title", lang),
                   intro=_t("key_messages.intro", lang), blocks=messages, is_numbered=False)


def _build_method_annex(region: RegionData, lang: str) -> Chapter:
    points = _node("method.points")
    date = format_date_text(region.today, lang, "long")
    items = [_pick(p, "method.points", lang).replace("{date}", date) for p in points]
    rows = [[s.get_name(lang), s.network["n_respondents"], s.n_sources, s.n_links,
             _t("method.data_demo" if s.is_demo else "method.data_real", lang)] for s in region.ordered(lang)]
    columns = [_t(f"method.col_{k}", lang) for k in ("country", "respondents", "sources", "flows", "data")]
    return Chapter(number="A", key="regional_method", title=_t("method.title", lang),
                   blocks=[Paragraph(text=_t("method.intro", lang)), BulletList(items=items),
                           Table(id="regional_data", caption=_t("method.data_caption", lang),
                                 columns=columns, rows=rows)])


def _region_name(region: RegionData, lang: str) -> str:
    names = [s.get_name(lang) for s in region.ordered(lang)]
    if len(names) > MAX_NAMED_COUNTRIES:
        return _tn("document.many_countries", lang, {"n_countries": len(names)})
    return _list(names, lang)


def _notices(region: RegionData, lang: str) -> list[Callout]:
    """Say on the first page why the marks are there, and which countries are missing."""
    ordered = region.ordered(lang)
    callouts = []
    not_final = [s.get_name(lang) for s in ordered if not s.is_final]
    if not_final:
        callouts.append(Callout(kind="warning", title=_t("document.draft_title", lang), in_brief=True,
                                text=_t("document.draft", lang, countries=_list(not_final, lang))))
    demo = [s.get_name(lang) for s in ordered if s.is_demo]
    # when every country is the demo's, the cover's notice already says so
    if demo and len(demo) < len(ordered):
        callouts.append(Callout(kind="info", title=_t("document.synthetic_title", lang),
                                text=_t("document.synthetic", lang, countries=_list(demo, lang))))
    if region.skipped:
        from mpanalysis.params import get_country_name

        details = [_t("document.skipped_item", lang, country=get_country_name(code, lang), message=message)
                   for code, message in region.skipped.items()]
        callouts.append(Callout(kind="warning", title=_t("document.skipped_title", lang), in_brief=True,
                                text=_tn("document.skipped", lang, {"n_skipped": len(details)},
                                         details=_join_items(details, lang))))
    return callouts


def build_regional_synthesis(countries: str | Iterable[str] | None, lang: str, today: dt.date | None = None, *,
                             region: RegionData | None = None) -> Guide:
    """Return the regional synthesis in ``lang`` as a guide document: its key messages, five
    chapters and one annex.

    ``countries``: ISO3 codes (a list or a text such as ``"SEN, CIV"``; empty = every country
    with parameters). ``region`` reuses snapshots already collected (e.g. for a second language);
    ``countries`` and ``today`` are then ignored.

    >>> from mpanalysis.publish.regional.data import make_example_region
    >>> guide = build_regional_synthesis(None, "en", region=make_example_region())
    >>> [c.number for c in guide.chapters], guide.country_name, guide.is_draft, guide.is_synthetic
    (['KM', 'I', 'II', 'III', 'IV', 'V'], 'Senegal and The Gambia', True, True)
    >>> [m.headline for m in guide.chapters[0].blocks]
    ['1 of 2', '1', '1 of 2', '20%', '100%', '1']
    """
    from mpanalysis._version import __version__

    region = region or collect_region(countries, today)
    chapters = [_build_exercise_chapter(region, lang), _build_coverage_chapter(region, lang),
                _build_network_chapter(region, lang), _build_challenges_chapter(region, lang),
                _build_recommendations_chapter(region, lang)]
    notices = _notices(region, lang)
    if notices:
        chapters[0] = chapters[0].model_copy(update={"blocks": [*notices, *chapters[0].blocks]})
    chapters.insert(0, _build_key_messages(region, lang))
    ordered = region.ordered(lang)
    provenance: dict[str, Any] = {
        "package_version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "endorsement_status": {s.country: s.params.endorsement.status for s in ordered},
        "params_hash": {s.country: s.params_hash for s in ordered},
        "input_hashes": {f"{s.country}/{name}": digest for s in ordered
                         for name, digest in sorted(s.input_hashes.items())},
    }
    if region.skipped:
        provenance["skipped"] = dict(region.skipped)
    return Guide(
        country=REGION_CODE, country_name=_region_name(region, lang), lang=lang,
        title=_t("document.title", lang), kind_label=_t("document.kind", lang),
        draft_notice=_t("document.draft_notice", lang),
        running_name=_tn("document.running_name", lang, {"n_countries": len(ordered)}),
        subtitle=_tn("document.subtitle", lang, {"n_countries": len(ordered)}),
        date=region.today, is_draft=any(not s.is_final for s in ordered),
        is_synthetic=any(s.is_demo for s in ordered), chapters=chapters,
        annexes=[_build_method_annex(region, lang)], provenance=provenance)


# --------------------------------------------------------------------------------------------
# Outputs and notebook display


def _join_items(items: Iterable[str], lang: str) -> str:
    """Return clauses joined with semicolons, spaced as ``lang`` writes them.

    >>> _join_items(["a", "b"], "fr"), _join_items(["a", "b"], "pt")
    ('a\u202f; b', 'a; b')
    """
    return (punctuate(";", lang) + " ").join(items)


def write_regional_outputs(countries: str | Iterable[str] | None = None, langs: Sequence[str] | None = None,
                           output_dir: str | Path | None = None, *, today: dt.date | None = None,
                           region: RegionData | None = None,
                           formats: Sequence[str] = ("html", "pdf")) -> list[Path]:
    """Write the synthesis per language (default: every language translated, the default one
    first): ``regional_synthesis_<lang>.html`` / ``.pdf`` and the slide deck
    ``regional_slides_<lang>.html`` in ``output_dir`` (default ``outputs/regional``).

    The countries are collected once for every language (or ``region`` is reused). Every file is
    written atomically. Returns the paths written.
    """
    from mpanalysis.render import render_guide

    from mpanalysis.reference import DEFAULT_LANGUAGE, get_languages

    langs = langs or sorted(get_languages(), key=lambda lang: (lang != DEFAULT_LANGUAGE, lang))
    folder = Path(output_dir) if output_dir else outputs_dir() / "regional"
    region = region or collect_region(countries, today)
    written: list[Path] = []
    for lang in langs:
        guide = build_regional_synthesis(None, lang, region=region)
        if formats:
            written += list(render_guide(guide, folder, f"regional_synthesis_{lang}", tuple(formats)).values())
        written.append(write_slides(guide, folder / f"regional_slides_{lang}.html"))
    return written


def show_synthesis(guide: Guide) -> None:
    """Display the synthesis in JupyterLab: headings, sentences, tables and interactive figures.

    Texts are escaped: nothing from the parameters is read as markup.
    """
    from IPython.display import HTML, display

    from mpanalysis.guide.document import iter_blocks, number_guide, resolve_refs
    from mpanalysis.render.display import display_figure

    numbering = number_guide(guide)

    def text(value: str) -> str:
        return html.escape(resolve_refs(value, numbering))

    for chapter in [*guide.chapters, *guide.annexes]:
        display(HTML(f"<h2>{html.escape(chapter.number)}. {text(chapter.title)}</h2>"
                     + (f"<p><em>{text(chapter.intro)}</em></p>" if chapter.intro else "")))
        for block in iter_blocks(chapter):
            if isinstance(block, Paragraph):
                display(HTML(f"<p>{text(block.text)}</p>"))
            elif isinstance(block, BulletList):
                display(HTML("<ul>" + "".join(f"<li>{text(i)}</li>" for i in block.items) + "</ul>"))
            elif isinstance(block, Callout):
                title = f"<strong>{text(block.title)}</strong> " if block.title else ""
                display(HTML(f"<blockquote>{title}{text(block.text)}</blockquote>"))
            elif isinstance(block, (Table, Figure)):
                label = html.escape(numbering.labels[block.id])
                display(HTML(f"<p><strong>{label}</strong> – {text(block.caption)}</p>"))
                if isinstance(block, Table):
                    display(pd.DataFrame(block.rows, columns=block.columns))
                else:
                    display_figure(block.figure_dict())
