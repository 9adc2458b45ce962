"""The validation report of one country: what was read, accepted, set aside, and how names were reconciled.

``write_validation_report`` writes a self-contained HTML page (no external resource; every
respondent's text is escaped by jinja2's autoescape) and three CSV files (``issues.csv``,
``counts.csv``, ``reconciliation.csv``) whose cells cannot run as spreadsheet formulas. Every file
is written atomically. Texts come from ``data/reference/messages.yaml`` in the requested language.
"""

from __future__ import annotations

import math
from pathlib import Path

import jinja2
import pandas as pd

from mpanalysis._version import __version__
from mpanalysis.fileio import write_csv_safe, write_text_atomic
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.issues import format_message

#: The page's structure. Words shown to readers come from messages.yaml (``t``), never from here.
_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.title }} — {{ country_name }}</title>
<style>
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; } td.num { text-align: right; }
tr.error td.level { color: #a40000; font-weight: bold; } tr.warning td.level { color: #8a5a00; }
td.value { max-width: 22rem; overflow-wrap: anywhere; white-space: pre-wrap; }
.meta { color: #555; font-size: 0.85rem; }
</style>
</head>
<body>
<h1>{{ t.title }}</h1>
<table><tr><th>{{ t.country }}</th><td><strong>{{ country_name }}</strong> ({{ country }})</td></tr></table>
<p class="meta">{{ t.generated }}</p>

<h2 id="counts">{{ t.counts_heading }}</h2>
<table>
<thead><tr><th>{{ t.table }}</th><th>{{ t.rows_read }}</th><th>{{ t.rows_accepted }}</th><th>{{ t.rows_set_aside }}</th><th>{{ t.fields_set_aside }}</th><th>{{ t.rows_corrected }}</th></tr></thead>
<tbody>
{% for row in counts %}<tr><td>{{ row.table }}</td><td class="num">{{ row.rows_read }}</td><td class="num">{{ row.rows_accepted }}</td><td class="num">{{ row.rows_set_aside }}</td><td class="num">{{ row.fields_set_aside }}</td><td class="num">{{ row.rows_corrected }}</td></tr>
{% endfor %}</tbody>
</table>
<p class="meta">{{ t.counts_note }}</p>

<h2 id="correct">{{ t.how_to_correct_heading }}</h2>
<ul>{% for line in t.how_to_correct %}<li>{{ line }}</li>{% endfor %}</ul>
{% if near_misses %}
<h2 id="names-to-check">{{ t.names_to_check_heading }}</h2>
<p>{{ t.names_to_check_intro }}</p>
<pre>aliases:
{% for row in near_misses %}  {{ row.alias }}
{% endfor %}</pre>
<table>
<thead><tr><th>{{ t.name }}</th><th>{{ t.best_candidate }}</th><th>{{ t.score }}</th></tr></thead>
<tbody>
{% for row in near_misses %}<tr><td class="value">{{ row.name }}</td><td>{{ row.best_candidate }}</td><td class="num">{{ row.score }}</td></tr>
{% endfor %}</tbody>
</table>
{% endif %}

<h2 id="issues">{{ t.issues_heading }}</h2>
{% if issues %}<table>
<thead><tr><th>{{ t.level }}</th><th>{{ t.table }}</th><th>{{ t.file }}</th><th>{{ t.sheet }}</th><th>{{ t.row }}</th><th>{{ t.column }}</th><th>{{ t.value }}</th><th>{{ t.message }}</th><th>{{ t.action }}</th></tr></thead>
<tbody>
{% for row in issues %}<tr class="{{ row.level_code }}"><td class="level">{{ row.level }}</td><td>{{ row.table }}</td><td>{{ row.file }}</td><td>{{ row.sheet }}</td><td class="num">{{ row.row }}</td><td>{{ row.column }}</td><td class="value">{{ row.value }}</td><td>{{ row.message }}</td><td>{{ row.action }}</td></tr>
{% endfor %}</tbody>
</table>
{% else %}<p>{{ t.no_issues }}</p>{% endif %}

<h2 id="reconciliation">{{ t.reconciliation_heading }}</h2>
<h3>{{ t.matches_heading }}</h3>
{% if matches %}<table>
<thead><tr><th>{{ t.name }}</th><th>{{ t.entity }}</th><th>{{ t.score }}</th><th>{{ t.method }}</th></tr></thead>
<tbody>
{% for row in matches %}<tr><td class="value">{{ row.name }}</td><td>{{ row.entity_name }} <span class="meta">({{ row.entity_id }})</span></td><td class="num">{{ row.score }}</td><td>{{ row.method }}</td></tr>
{% endfor %}</tbody>
</table>
{% else %}<p>{{ t.no_matches }}</p>{% endif %}
<h3>{{ t.unresolved_heading }}</h3>
{% if unresolved %}<table>
<thead><tr><th>{{ t.name }}</th><th>{{ t.best_candidate }}</th><th>{{ t.score }}</th><th>{{ t.entity }}</th></tr></thead>
<tbody>
{% for row in unresolved %}<tr><td class="value">{{ row.name }}</td><td>{{ row.best_candidate }}</td><td class="num">{{ row.best_score }}</td><td>{{ row.entity_id }}</td></tr>
{% endfor %}</tbody>
</table>
{% else %}<p>{{ t.no_unresolved }}</p>{% endif %}

<h2 id="inputs">{{ t.inputs_heading }}</h2>
<table>
<thead><tr><th>{{ t.file }}</th><th>{{ t.sha256 }}</th></tr></thead>
<tbody>
{% for name, digest in inputs %}<tr><td>{{ name }}</td><td><code>{{ digest }}</code></td></tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""

_TEXT_KEYS = (
    "title", "country", "counts_heading", "counts_note", "table", "rows_read", "rows_accepted",
    "rows_set_aside", "issues_heading", "no_issues", "level", "file", "sheet", "row", "column", "value",
    "message", "action", "reconciliation_heading", "matches_heading", "no_matches", "unresolved_heading",
    "no_unresolved", "name", "entity", "score", "method", "best_candidate", "inputs_heading", "sha256",
    "fields_set_aside", "rows_corrected", "how_to_correct_heading", "names_to_check_heading",
)


def _cell(value: object) -> object:
    """A DataFrame cell for display: missing values become empty, whole floats lose their '.0'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return value


def _records(frame: pd.DataFrame | None) -> list[dict[str, object]]:
    if frame is None or frame.empty:
        return []
    return [{k: _cell(v) for k, v in row.items()} for row in frame.astype("object").to_dict("records")]


def _label(group: str, code: object, lang: str) -> str:
    try:
        return format_message(f"report.{group}.{code}", lang)
    except Exception:  # a code without a label is shown as it is
        return str(code)


def _country_name(iso3: str, lang: str) -> str:
    from mpanalysis.params import get_country_name

    return get_country_name(iso3, lang)


def build_validation_report_html(dataset: CountryDataset, lang: str = "fr") -> str:
    """Return the validation report page of a dataset, as self-contained HTML.

    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> tables = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...           "stages", "challenges", "needs", "mp_use", "issues", "counts"]}
    >>> page = build_validation_report_html(CountryDataset(country="SEN", **tables), "en")
    >>> '<html lang="en">' in page and "Senegal" in page
    True
    """
    texts = {key: format_message(f"report.{key}", lang) for key in _TEXT_KEYS}
    texts["generated"] = format_message("report.generated", lang, version=__version__)
    params_file = f"params/{dataset.country}.yaml"
    texts["how_to_correct"] = format_message("report.how_to_correct", lang, params=params_file).split("\n")
    texts["names_to_check_intro"] = format_message("report.names_to_check_intro", lang, params=params_file)
    counts = _records(dataset.counts)
    for row in counts:
        row["table"] = _label("tables", row["table"], lang)
    issues = _records(dataset.issues)
    for row in issues:
        row["level_code"] = row["level"]
        row["level"] = _label("levels", row["level"], lang)
        row["table"] = _label("tables", row["table"], lang)
        row["action"] = _label("actions", row["action"], lang)
    matches = _records(dataset.reconciliation.get("matches"))
    for row in matches:
        row["method"] = _label("methods", row.get("method", ""), lang)
    unresolved = _records(dataset.reconciliation.get("unresolved"))
    near_misses = [dict(row, alias=line, score=_cell(row["best_score"]))
                   for row, line in zip(list_near_misses(dataset), format_alias_lines(dataset))]
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(_TEMPLATE).render(
        lang=lang, t=texts, country=dataset.country, country_name=_country_name(dataset.country, lang),
        counts=counts, issues=issues, matches=matches, unresolved=unresolved, near_misses=near_misses,
        inputs=sorted(dataset.input_hashes.items()))


def list_near_misses(dataset: CountryDataset) -> list[dict[str, object]]:
    """Return the partner names kept apart although close to a responding institution (name,
    best_candidate, best_score, acronym_expansion), for a person to decide with an alias."""
    unresolved = dataset.reconciliation.get("unresolved")
    if unresolved is None or unresolved.empty or "is_near_miss" not in unresolved.columns:
        return []
    return unresolved[unresolved["is_near_miss"].astype(bool)].to_dict("records")


def format_alias_lines(dataset: CountryDataset) -> list[str]:
    """Return, per near miss, the line that merges it, to paste under ``aliases:`` in the parameters."""
    from mpanalysis.ingest.dataset import format_alias_line

    return [format_alias_line(row["name"], row["best_candidate"]) for row in list_near_misses(dataset)]


def format_validation_summary(dataset: CountryDataset, lang: str, report_path: str | Path) -> str:
    """Return what ``mpanalysis validate`` prints after the counts: what was set aside, replaced,
    warned about, the names to check with their alias lines, and where the report is.

    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> from mpanalysis.ingest.validation import make_counts_table
    >>> tables = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...           "stages", "challenges", "needs", "mp_use", "issues"]}
    >>> print(format_validation_summary(CountryDataset(country="SEN", counts=make_counts_table([]), **tables),
    ...                                 "en", "r.html"))
    0 row(s) set aside, 0 answer(s) set aside, 0 row(s) replaced by a corrected file, 0 warning(s); report: r.html
    """
    from mpanalysis.ingest.issues import CORRECTED, FIELD_SET_ASIDE

    counts = dataset.counts
    issues = dataset.issues
    is_warning = (issues["level"] == "warning") & ~issues["action"].isin([CORRECTED, FIELD_SET_ASIDE]) \
        if len(issues) else pd.Series(dtype=bool)
    lines = [format_message("report.summary", lang, set_aside=int(counts["rows_set_aside"].sum()),
                            fields=int(counts["fields_set_aside"].sum()),
                            corrected=int(counts["rows_corrected"].sum()), warnings=int(is_warning.sum()),
                            report=report_path)]
    aliases = format_alias_lines(dataset)
    if aliases:
        lines.append(format_message("report.names_to_check_intro", lang, params=f"params/{dataset.country}.yaml"))
        lines.append("aliases:")
        lines += [f"  {line}" for line in aliases]
    return "\n".join(lines)


def build_reconciliation_table(dataset: CountryDataset) -> pd.DataFrame:
    """Return the matches and the unresolved names in one table with a ``status`` column.

    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> tables = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...           "stages", "challenges", "needs", "mp_use", "issues", "counts"]}
    >>> build_reconciliation_table(CountryDataset(country="SEN", **tables)).columns.tolist()[:2]
    ['status', 'name']
    """
    matches = dataset.reconciliation.get("matches")
    unresolved = dataset.reconciliation.get("unresolved")
    parts = []
    if matches is not None and not matches.empty:
        parts.append(matches.assign(status="matched"))
    if unresolved is not None and not unresolved.empty:
        parts.append(unresolved.assign(status="unresolved"))
    columns = ["status", "name", "entity_id", "entity_name", "score", "method", "best_candidate", "best_score"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    return table.reindex(columns=columns + [c for c in table.columns if c not in columns])


def write_validation_report(dataset: CountryDataset, folder: str | Path, lang: str = "fr") -> dict[str, Path]:
    """Write ``validation_report.html``, ``issues.csv``, ``counts.csv`` and ``reconciliation.csv``.

    Returns the written paths under the keys ``html``, ``issues``, ``counts`` and
    ``reconciliation``. Each file is replaced atomically, so a failed run leaves the previous
    report intact.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "html": write_text_atomic(folder / "validation_report.html", build_validation_report_html(dataset, lang)),
        "issues": write_csv_safe(dataset.issues, folder / "issues.csv"),
        "counts": write_csv_safe(dataset.counts, folder / "counts.csv"),
        "reconciliation": write_csv_safe(build_reconciliation_table(dataset), folder / "reconciliation.csv"),
    }


def format_counts_table(dataset: CountryDataset, lang: str = "en") -> str:
    """Return rows read / accepted / set aside per table as aligned plain text for the terminal.

    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> from mpanalysis.ingest.validation import make_counts_table
    >>> tables = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...           "stages", "challenges", "needs", "mp_use", "issues"]}
    >>> print(format_counts_table(CountryDataset(country="SEN", counts=make_counts_table([]), **tables)))
    Table        Read  Accepted  Set aside
    Respondents     0         0          0
    Sources         0         0          0
    Exchanges       0         0          0
    """
    header = [format_message(f"report.{k}", lang) for k in ("table", "rows_read", "rows_accepted", "rows_set_aside")]
    rows = [[_label("tables", r["table"], lang), str(r["rows_read"]), str(r["rows_accepted"]),
             str(r["rows_set_aside"])] for r in dataset.counts.to_dict("records")]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(4)]
    lines = []
    for line in [header, *rows]:
        cells = [line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(line[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
