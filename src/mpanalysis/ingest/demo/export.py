"""Writing the demo region: sheets, byte-stable XLSX, parameters YAML, and the check that the committed demo is current."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import yaml

from mpanalysis.errors import ReferenceDataError
from mpanalysis.fileio import write_bytes_atomic, write_text_atomic
from mpanalysis.ingest.demo.builder import DemoCountry, _CountryBuilder, _ordered
from mpanalysis.ingest.demo.config import find_demo_config_dir, list_demo_countries, load_demo_config
from mpanalysis.ingest.form import FLOWS, MAIN, SOURCES, get_field, get_fields
from mpanalysis.params import parse_params
from mpanalysis.paths import params_path, raw_dir
from mpanalysis.reference import get_codes

#: Meta columns KoboToolbox appends to the main sheet, in export order.
KOBO_MAIN_META = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
                  "_submitted_by", "__version__", "_tags", "_index")
#: Meta columns KoboToolbox appends to every repeat sheet, in export order.
KOBO_REPEAT_META = ("_index", "_parent_table_name", "_parent_index", "_submission__id",
                    "_submission__uuid", "_submission__submission_time",
                    "_submission__validation_status", "_submission__notes", "_submission__status",
                    "_submission__submitted_by", "_submission___version__", "_submission__tags")

#: Zip entry timestamp of every generated workbook (the earliest a zip file can hold).
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------------------------
# sheets in the exact KoboToolbox layout
# --------------------------------------------------------------------------------------------

def _header(name: str, table: str, has_prefix: bool) -> str:
    return f"{get_field(name).group}/{name}" if has_prefix else name


def _field_columns(table: str, layout: dict) -> list[tuple[str, str, str | None]]:
    """(header, field name, option) for every question column of a table, in form order."""
    columns = []
    for spec in get_fields(table):
        header = _header(spec.name, table, layout["group_prefixes"])
        columns.append((header, spec.name, None))
        if spec.kind == "select_multiple" and layout["expanded_multiple"]:
            columns += [(f"{header}/{option}", spec.name, option) for option in get_codes(spec.choices)]
    return columns


def _cell(values: dict[str, object], name: str, option: str | None) -> object:
    value = values.get(name)
    spec = get_field(name)
    if spec.kind == "select_multiple":
        if not value:
            return None
        if option is not None:
            return 1 if option in value else 0
        return " ".join(_ordered(list(value), spec.choices))
    return value


def _build_sheets(builder: _CountryBuilder, sheet_name: str) -> tuple[dict[str, list[list[object]]], list[dict]]:
    layout = builder.country["layout"]
    submitted_by = builder.country.get("submitted_by")
    main_columns = _field_columns(MAIN, layout)
    main = [["start", "end", *[h for h, _, _ in main_columns], *KOBO_MAIN_META]]
    repeats = {table: [[*[h for h, _, _ in _field_columns(table, layout)], *KOBO_REPEAT_META]]
               for table in (SOURCES, FLOWS)}
    expected: list[dict] = []
    headers = {table: {name: h for h, name, option in _field_columns(table, layout) if option is None}
               for table in (MAIN, SOURCES, FLOWS)}

    def note(kind, sheet, row, column, value, action, level="error"):
        expected.append({"kind": kind, "sheet": sheet, "row": row, "column": column, "value": value,
                         "action": action, "level": level})

    for sub in builder.submissions:
        submission_time = f"{sub.time:%Y-%m-%dT%H:%M:%S}"
        if sub.status != "deleted":
            main.append([sub.start, sub.end, *[_cell(sub.answers, n, o) for _, n, o in main_columns],
                         sub.kobo_id, sub.uuid, submission_time, None, None, "submitted_via_web",
                         submitted_by, builder.version, None, sub.index])
            row_number = len(main)
            for kind, column, value in sub.planted:
                level, action = ("warning", "kept") if kind == "malformed_email" else ("error", "set aside")
                note(kind, sheet_name, row_number, headers[MAIN][column], value, action, level)
            if sub.status == "superseded":
                note("duplicate", sheet_name, row_number, None, sub.answers["institution_name"],
                     "superseded duplicate", "warning")
        for table in (SOURCES, FLOWS):
            columns = _field_columns(table, layout)
            for row in getattr(sub, table):
                sheet = repeats[table]
                sheet.append([*[_cell(row.values, n, o) for _, n, o in columns], len(sheet), sheet_name,
                              sub.index, sub.kobo_id, sub.uuid, submission_time, None, None,
                              "submitted_via_web", submitted_by, builder.version, None])
                row_number = len(sheet)
                for kind, column, value in row.planted:
                    if kind == "unknown_choice" and not get_field(column).is_required:
                        # the answer is set aside, the row kept (mpanalysis.ingest.validation)
                        note(kind, table, row_number, headers[table][column], value, "field set aside", "warning")
                        continue
                    note(kind, table, row_number, "_parent_index" if kind == "orphan_repeat"
                         else headers[table][column], value, "set aside")
                if sub.status == "invalid":
                    note("parent_set_aside", table, row_number, "_parent_index", sub.index, "set aside")
                elif sub.status == "superseded":
                    note("duplicate", table, row_number, None, sub.index, "superseded duplicate", "warning")
    return {sheet_name: main, SOURCES: repeats[SOURCES], FLOWS: repeats[FLOWS]}, expected


def _build_params(builder: _CountryBuilder) -> dict:
    spec, texts = builder.country["params"], builder.texts
    params: dict = {"country": builder.iso3}
    for key in ("country_name", "languages", "edition"):
        if key in spec:
            params[key] = spec[key]
    params["is_demo"] = True
    params["profiles"] = spec.get("profiles", [])
    params["coordinator"] = builder.coordinator.name
    if spec.get("working_group"):
        params["working_group"] = [builder.by_key[key].name for key in spec["working_group"]]
    invited = builder.list_invited()
    if invited is not None:
        params["invited_institutions"] = [{"name": i.name, "type": i.type} for i in invited]
    params["aliases"] = {p["variant"]: builder.by_key[p["entity"]].name
                         for p in builder.country.get("pinned_variants", [])}
    # the institutions' names in the other guide language (a French guide names them in French)
    params["entity_names"] = {**{inst.name: {"name": dict(inst.translations)}
                                 for inst in builder.catalogue if inst.translations},
                              **spec.get("entity_names", {})}
    params["staleness_years"] = spec.get("staleness_years", 3)
    params["reference_year"] = builder.reference_year
    workshop = spec.get("workshop")
    if workshop:
        params["workshop"] = {
            **{k: workshop[k] for k in ("date", "place", "participants", "institutions_represented") if k in workshop},
            "problems": [{"challenge": code, **texts["workshop_problems"][code]} for code in workshop["problems"]],
            "recommendations": [texts["workshop_recommendations"][key] for key in workshop["recommendations"]],
            "good_practices": [texts["workshop_good_practices"][key] for key in workshop["good_practices"]],
        }
    params["endorsement"] = spec["endorsement"]
    if "foreword" in spec:
        params["foreword"] = {**spec["foreword"], "text": texts["forewords"][spec["foreword"]["text"]]}
    params["milestones"] = spec["milestones"]
    return params


def build_demo_country(iso3: str, config: dict | None = None) -> DemoCountry:
    """Generate one demo country in memory (sheets, parameters, planted problems).

    >>> ner = build_demo_country("NER")
    >>> len(ner.respondents), len(ner.partners_only)
    (12, 19)
    >>> list(ner.sheets)[1:]
    ['sources', 'flows']
    """
    config = config or load_demo_config()
    if iso3 not in config["countries"]:
        raise ReferenceDataError(f"{iso3} is not a demo country (one of {list(config['countries'])})")
    builder = _CountryBuilder(iso3, config)
    builder.select_institutions()
    builder.build_flows()
    builder.build_submissions()
    builder.plant_problems()
    builder.stamp_submissions()
    # Kobo names the first sheet after the form title, cut to Excel's 31-character limit.
    sheet_name = config["form_title"][builder.lang][:31]
    sheets, expected = _build_sheets(builder, sheet_name)
    params = _build_params(builder)
    parse_params(params, f"params/{iso3}.yaml")  # the generator never writes invalid parameters
    return DemoCountry(
        iso3=iso3,
        file_name=f"{iso3}_kobo_export.xlsx",
        sheets=sheets,
        params=params,
        expected_issues=expected,
        respondents=tuple(i.name for i in builder.respondents),
        partners_only=tuple(i.name for i in builder.partners),
        duplicated=tuple(s.institution.name for s in builder.duplicated),
        created=builder.country["export_time"],
    )


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------

def make_xlsx_bytes(sheets: dict[str, list[list[object]]], created: dt.datetime) -> bytes:
    """Return an XLSX workbook of ``sheets`` whose bytes depend on nothing but the arguments.

    Text is always stored as text (never a formula or a number), integers as numbers, ``None`` as
    an empty cell. Workbook properties and zip entry timestamps are fixed.

    >>> data = make_xlsx_bytes({"s": [["a"], ["=1+1"]]}, dt.datetime(2025, 1, 1))
    >>> data == make_xlsx_bytes({"s": [["a"], ["=1+1"]]}, dt.datetime(2025, 1, 1))
    True
    """
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": created})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, int) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    workbook.close()
    return _normalize_zip(buffer.getvalue())


def _normalize_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename), compresslevel=6)
    return out.getvalue()


def format_params_yaml(country: DemoCountry, header: str = "") -> str:
    """Return the text of ``params/<ISO3>.yaml``: ``header`` as comment lines, then the YAML.

    >>> text = format_params_yaml(build_demo_country("GHA"), "Synthetic data for {iso3}.")
    >>> text.splitlines()[:2]
    ['# Synthetic data for GHA.', 'country: GHA']
    """
    body = yaml.safe_dump(country.params, allow_unicode=True, sort_keys=False, width=100,
                          default_flow_style=False)
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.format(iso3=country.iso3).splitlines())
    return comments + body


def _relative_outputs(iso3: str) -> tuple[str, str]:
    return f"data/raw/{iso3}/{iso3}_kobo_export.xlsx", f"params/{iso3}.yaml"


def generate_demo_region(root: Path, countries: list[str] | None = None, *,
                         config_dir: Path | None = None) -> list[Path]:
    """Write the demo exports and parameters under ``root``; return the files written.

    For each country: ``data/raw/<ISO3>/<ISO3>_kobo_export.xlsx`` and ``params/<ISO3>.yaml``.
    The configuration comes from ``config_dir`` (default: ``root``'s ``data/demo``, else the
    project's).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.relative_to(folder).as_posix() for p in generate_demo_region(folder, ["GMB"])]
    ['data/raw/GMB/GMB_kobo_export.xlsx', 'params/GMB.yaml']
    """
    root = Path(root)
    config = load_demo_config(config_dir or find_demo_config_dir(root))
    written = []
    for iso3 in countries or list_demo_countries(config):
        iso3 = iso3.upper()
        country = build_demo_country(iso3, config)
        xlsx = raw_dir(iso3, root) / country.file_name
        written.append(write_bytes_atomic(xlsx, make_xlsx_bytes(country.sheets, country.created)))
        header = config["texts"]["params_header"]
        written.append(write_text_atomic(params_path(iso3, root), format_params_yaml(country, header)))
    return written


def _read_cells(path: Path) -> list[tuple[str, list[tuple]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in workbook.worksheets]
    finally:
        workbook.close()


def _same_content(generated: Path, committed: Path) -> bool:
    if not committed.is_file():
        return False
    if generated.read_bytes() == committed.read_bytes():
        return True
    if generated.suffix == ".xlsx":
        # Same sheets and cells is what matters: another zlib or xlsxwriter release packs the
        # same workbook differently, which must not make the committed demo look stale.
        try:
            return _read_cells(generated) == _read_cells(committed)
        except Exception:  # an unreadable committed workbook is simply stale
            return False
    return False


def check_demo_region(root: Path, countries: list[str] | None = None) -> list[str]:
    """Regenerate the demo into a temporary folder; return the committed files that differ.

    Paths are relative to ``root`` (``data/raw/SEN/SEN_kobo_export.xlsx``, ``params/SEN.yaml``);
    a missing file counts as different. An empty list means the committed demo is current.

    >>> import tempfile
    >>> check_demo_region(Path(tempfile.mkdtemp()), ["NER"])
    ['data/raw/NER/NER_kobo_export.xlsx', 'params/NER.yaml']
    """
    root = Path(root)
    config_dir = find_demo_config_dir(root)
    stale = []
    with tempfile.TemporaryDirectory(prefix="mpanalysis-demo-") as tmp:
        for path in generate_demo_region(Path(tmp), countries, config_dir=config_dir):
            relative = path.relative_to(tmp)
            if not _same_content(path, root / relative):
                stale.append(relative.as_posix())
    return stale
