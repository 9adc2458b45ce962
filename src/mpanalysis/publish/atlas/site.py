"""Writing one build of the atlas site (pages, copied guides and open data, atomic swap) and both builds."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from mpanalysis._version import __version__
from mpanalysis.errors import MpanalysisError
from mpanalysis.paths import data_dir, outputs_dir, reference_dir
from mpanalysis.publish.atlas.countries import (
    AUDIENCES,
    CONFIG_NAME,
    GUIDE_FORMATS,
    GUIDE_LENGTHS,
    RECORD_NAME,
    TEMPLATES_DIR,
    AtlasCountry,
    Audience,
    SiteFile,
    _normalise_countries,
    _texts,
    collect_atlas_countries,
    load_atlas_config,
    logger,
)
from mpanalysis.publish.atlas.map import build_map_figure
from mpanalysis.wording.rules import babel_locale

# ----------------------------------------------------------------------------------------------
# Pages


def make_page_name(stem: str, lang: str, default_lang: str) -> str:
    """Return a page's file name in a language: the default language has the plain name.

    >>> make_page_name("index", "fr", "fr"), make_page_name("index", "en", "fr")
    ('index.html', 'index_en.html')
    """
    return f"{stem}.html" if lang == default_lang else f"{stem}_{lang}.html"


def format_size(size_bytes: int, texts: dict[str, str], lang: str) -> str:
    """Return a file size for people, in the page's language.

    >>> format_size(5_300_000, {"size_mb": "{value} Mo"}, "fr")
    '5,3 Mo'
    >>> format_size(812, {"size_bytes": "{value} B"}, "en")
    '812 B'
    """
    from babel.numbers import format_decimal

    if size_bytes < 1000:
        return texts["size_bytes"].format(value=size_bytes)
    if size_bytes < 1_000_000:
        return texts["size_kb"].format(value=format_decimal(size_bytes / 1000, "#,##0", locale=babel_locale(lang)))
    return texts["size_mb"].format(value=format_decimal(size_bytes / 1_000_000, "#,##0.0", locale=babel_locale(lang)))


def _format_date(value: object, lang: str) -> str:
    from babel.dates import format_date

    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value).date()
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "long", locale=babel_locale(lang))


def _language_name(code: str, in_lang: str) -> str:
    from babel import Locale

    try:
        name = Locale.parse(code).get_display_name(in_lang)
    except Exception:  # an unknown language code: show the code
        name = None
    return (name or code)[:1].upper() + (name or code)[1:]


def _dump_script_json(value: Any) -> Markup:
    from mpanalysis.render.html import dump_script_json

    return dump_script_json(value)


def _read_geo_stub() -> str:
    from mpanalysis.render.display import read_geo_stub

    return read_geo_stub()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True)


class _SiteWriter:
    """Writes one build of the site into a folder (the temporary one, before the swap)."""

    def __init__(self, folder: Path, countries: list[AtlasCountry], audience: Audience, default_lang: str,
                 config: dict[str, Any], today: dt.date) -> None:
        self.folder = folder
        self.countries = countries
        self.audience = audience
        self.default_lang = default_lang
        self.config = config
        self.today = today
        languages = list(config["languages"])
        self.languages = [default_lang] + [lang for lang in languages if lang != default_lang]
        self.stages = {s["code"]: s for s in config["stages"]}

    def write(self) -> list[str]:
        written = self._write_assets()
        for entry in self.countries:
            for item in entry.files:
                target = self.folder / item.site_path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(outputs_dir(entry.iso3) / item.source, target)
                written.append(item.site_path)
        for lang in self.languages:
            written.append(self._write_page(make_page_name("index", lang, self.default_lang),
                                            "index.html.j2", self._index_context(lang)))
            for entry in self.countries:
                if entry.has_page:
                    name = f"countries/{make_page_name(entry.iso3, lang, self.default_lang)}"
                    written.append(self._write_page(name, "country.html.j2", self._country_context(entry, lang)))
        return written

    def _write_assets(self) -> list[str]:
        from mpanalysis.render.display import read_plotly_js

        assets = self.folder / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES_DIR / "atlas.css", assets / "atlas.css")
        (assets / "plotly.min.js").write_text(read_plotly_js(), encoding="utf-8")
        return ["assets/atlas.css", "assets/plotly.min.js"]

    def _write_page(self, name: str, template: str, context: dict[str, Any]) -> str:
        page = _environment().get_template(template).render(**context)
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        return name

    # ---- shared context
    def _base_context(self, lang: str, stem: str, root: str) -> dict[str, Any]:
        texts = _texts(self.config, lang)
        alternates = [{"lang": other, "name": _language_name(other, other), "is_current": other == lang,
                       "href": make_page_name(stem, other, self.default_lang).rsplit("/", 1)[-1]}
                      for other in self.languages]
        return {
            "lang": lang, "t": texts, "root": root, "audience": self.audience,
            "index_href": root + make_page_name("index", lang, self.default_lang),
            "alternates": alternates,
            "edition_label": texts[f"edition_{self.audience}"],
            "generated": texts["footer_generated"].format(date=_format_date(self.today, lang),
                                                          version=__version__),
        }

    def _stage_view(self, code: str, lang: str) -> dict[str, str]:
        stage = self.stages[code]
        return {"code": code, "label": stage["label"][lang], "colour": stage["colour"],
                "description": stage["description"][lang]}

    def _status_label(self, status: str, lang: str) -> str:
        from mpanalysis.reference import get_label

        return get_label("endorsement_statuses", status, lang)

    # ---- index
    def _index_context(self, lang: str) -> dict[str, Any]:
        context = self._base_context(lang, "index", "")
        texts = context["t"]
        page_links = {c.iso3: f"countries/{make_page_name(c.iso3, lang, self.default_lang)}"
                      for c in self.countries if c.has_page}
        figure = build_map_figure(self.countries, lang, config=self.config, page_links=page_links)
        rows = []
        for c in sorted(self.countries, key=lambda c: _sort_key(c.params.get_country_name(lang))):
            quick = []
            if c.has_page:
                full = [f for f in c.get_files("guide") if f.lang == lang and f.length == "full"]
                # the working group's own edition first in the restricted build, if it was built
                editions = {f.edition for f in full}
                edition = "restricted" if self.audience == "restricted" and "restricted" in editions else "public"
                quick = [{"href": f.site_path, "label": texts[f"format_{f.fmt}"]}
                         for f in sorted(full, key=lambda f: GUIDE_FORMATS.index(f.fmt)) if f.edition == edition]
            rows.append({
                "iso3": c.iso3, "name": c.params.get_country_name(lang), "is_demo": c.params.is_demo,
                "stage": self._stage_view(c.stage, lang),
                "status": self._status_label(c.params.endorsement.status, lang),
                "built": _format_date((c.record or {}).get("built_at"), lang) if c.has_page else "",
                "href": page_links.get(c.iso3), "quick": quick, "has_record": c.record is not None,
            })
        counts = {code: sum(1 for c in self.countries if c.stage == code) for code in self.stages}
        legend = [{**self._stage_view(code, lang), "count": counts[code]} for code in self.stages]
        context.update(
            page_title=texts["site_title"],
            has_demo=any(c.params.is_demo for c in self.countries),
            synthetic_notice=texts["synthetic_notice_site"],
            rows=rows, legend=legend,
            not_participating={"label": self.config["not_participating"]["label"][lang],
                               "colour": self.config["not_participating"]["colour"]},
            figure_json=_dump_script_json(figure),
            map_aspect=float(self.config["map"]["aspect"]),
            geo_stub=Markup(_read_geo_stub()),
        )
        return context

    # ---- country page
    def _country_context(self, entry: AtlasCountry, lang: str) -> dict[str, Any]:
        from mpanalysis.guide.figures.timeline import build_milestone_table

        context = self._base_context(lang, entry.iso3, "../")
        texts = context["t"]
        name = entry.params.get_country_name(lang)
        data_texts = {key.format(country=entry.iso3): value[lang]
                      for key, value in self.config["data_files"].items()}

        known = list(data_texts)

        def file_order(f: SiteFile) -> tuple[int, str]:
            # as atlas.yaml lists them (tables, workbook, network), then the others by name
            return (known.index(f.name) if f.name in known else len(known), f.name)

        def link(f: SiteFile) -> dict[str, Any]:
            # pages live in countries/, files in countries/<ISO3>/…
            return {"href": f.site_path.removeprefix("countries/"), "name": f.name,
                    "size": format_size(f.size_bytes, texts, lang),
                    "content": data_texts.get(f.name, texts["data_file_other"])}

        guide_rows: dict[tuple, dict[str, Any]] = {}
        langs_order = {code: i for i, code in enumerate(self.languages)}
        for f in entry.get_files("guide"):
            key = (langs_order.get(f.lang, 99), f.lang, 0 if f.edition == "public" else 1, GUIDE_LENGTHS.index(f.length))
            row = guide_rows.setdefault(key, {
                "language": _language_name(f.lang, lang), "lang": f.lang,
                "edition": texts[f"edition_{f.edition}"], "length": texts[f"length_{f.length}"], "links": []})
            row["links"].append({**link(f), "label": texts[f"format_{f.fmt}"], "order": GUIDE_FORMATS.index(f.fmt)})
        for row in guide_rows.values():
            row["links"].sort(key=lambda item: item["order"])
        milestones = build_milestone_table(entry.params, self.today)
        labels = _milestone_labels(lang)
        endorsement = entry.params.endorsement
        context.update(
            page_title=texts["country_page_title"].format(country=name),
            country_name=name, iso3=entry.iso3,
            has_demo=entry.params.is_demo,
            synthetic_notice=texts["synthetic_notice_country"],
            is_final=endorsement.is_final,
            stage=self._stage_view(entry.stage, lang),
            status=self._status_label(endorsement.status, lang),
            authority=endorsement.authority or "",
            endorsed_on=_format_date(endorsement.date, lang),
            built=_format_date((entry.record or {}).get("built_at"), lang),
            guide_edition=_get_edition_number(entry.record),
            guides=[guide_rows[k] for k in sorted(guide_rows)],
            data_files=[link(f) for f in sorted(entry.get_files("data"), key=file_order)],
            validation_files=[link(f) for f in sorted(entry.get_files("validation"), key=file_order)],
            milestones=[{"label": labels.get(m.stage, m.stage), "start": _format_date(m.start, lang),
                         "end": _format_date(m.end, lang),
                         "state": texts[f"state_{m.state}"], "state_code": m.state}
                        for m in milestones.itertuples()],
            profiles=[{"title": p.title, "year": p.year, "publisher": p.publisher}
                      for p in entry.params.profiles],
        )
        return context


def _get_edition_number(record: dict[str, Any] | None) -> int | None:
    """The guide's edition number, when the build record has one (a new round of answers)."""
    value = (record or {}).get("edition")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _milestone_labels(lang: str) -> dict[str, str]:
    from mpanalysis.reference import get_labels

    return get_labels("milestones", lang)


def _sort_key(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


# ----------------------------------------------------------------------------------------------
# Building


def default_site_dir(audience: Audience) -> Path:
    """Return where a build goes by default: ``outputs/site/`` or ``outputs/site-restricted/``."""
    return outputs_dir() / ("site" if audience == "public" else "site-restricted")


def _fingerprint(countries: list[str], audience: str, lang: str, today: dt.date) -> str:
    """Hash what a build depends on from the files alone (no parsing: a no-change rerun is quick).

    ``build.json`` is written last by a country's build, so its hash stands for the outputs.
    """
    from mpanalysis.paths import params_path
    from mpanalysis.provenance import hash_file, hash_object

    def hash_if_file(path: Path) -> str | None:
        return hash_file(path) if path.is_file() else None

    record = {
        "audience": audience, "lang": lang, "today": today.isoformat(), "version": __version__,
        "code": {p.name: hash_file(p) for p in sorted(Path(__file__).parent.glob("*.py"))},
        "templates": {p.name: hash_file(p) for p in sorted(TEMPLATES_DIR.iterdir()) if p.is_file()},
        "reference": {name: hash_if_file(reference_dir() / name)
                      for name in (CONFIG_NAME, "endorsement_statuses.csv", "milestones.csv")},
        "outlines": hash_if_file(data_dir() / "geo" / "countries.geojson"),
        "countries": {iso3: {"params": hash_if_file(params_path(iso3)),
                             "build": hash_if_file(outputs_dir(iso3) / "build.json")} for iso3 in countries},
    }
    return hash_object(record)


def _is_current(target: Path, fingerprint: str) -> bool:
    record = _read_site_record(target)
    if not record or record.get("fingerprint") != fingerprint:
        return False
    return all((target / rel).is_file() for rel in record.get("files", []))


def _read_site_record(folder: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` in place of ``target``: the old one is renamed away, the new one
    renamed in, then the old one deleted. Both renames stay on one file system (``new`` is made
    beside ``target``), so a reader sees the old site or the new one, never a mix.

    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> (base / "site").mkdir(); _ = (base / "site" / "old.txt").write_text("old")
    >>> (base / "new").mkdir(); _ = (base / "new" / "index.html").write_text("new")
    >>> replace_folder(base / "new", base / "site")
    >>> sorted(p.name for p in (base / "site").iterdir()), sorted(p.name for p in base.iterdir())
    (['index.html'], ['site'])
    """
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:  # put the previous site back rather than leave none
            os.replace(old / target.name, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def build_atlas(countries: list[str] | None = None, *, audience: Audience = "public",
                output_dir: Path | None = None, lang: str = "fr", today: dt.date | None = None,
                is_forced: bool = False) -> Path:
    """Write one build of the atlas and return its folder.

    Parameters
    ----------
    countries
        ISO3 codes of the participating countries; ``None`` means every ``params/*.yaml``.
        A country whose parameters cannot be read is left out (with a warning, and listed in
        ``atlas.json``) so that it never stops the others.
    audience
        ``"public"`` (only endorsed or published guides, public edition, open data) or
        ``"restricted"`` (every guide and edition, the validation reports).
    output_dir
        Where to write; default ``outputs/site/`` (public) or ``outputs/site-restricted/``.
    lang
        The language of ``index.html`` and ``countries/<ISO3>.html``; the site's other languages
        get ``index_<lang>.html`` and ``countries/<ISO3>_<lang>.html``.
    today
        Date used to tell reached milestones from planned ones (default: today).
    is_forced
        Rebuild even when nothing the site depends on has changed since the last build.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> site = build_atlas(["NER"], audience="public", output_dir=pathlib.Path(tempfile.mkdtemp()) / "site")
    >>> sorted(p.name for p in site.iterdir())  # NER's guide is not endorsed: no page in public
    ['assets', 'atlas.json', 'index.html', 'index_en.html', 'index_pt.html']
    """
    if audience not in AUDIENCES:
        raise MpanalysisError(f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})")
    config = load_atlas_config()
    if lang not in config["languages"]:
        raise MpanalysisError(f"{reference_dir() / CONFIG_NAME}: the atlas has no texts in language "
                              f"'{lang}' (languages: {', '.join(config['languages'])})")
    today = today or dt.date.today()
    target = Path(output_dir) if output_dir else default_site_dir(audience)
    countries = _normalise_countries(countries)
    fingerprint = _fingerprint(countries, audience, lang, today)
    if not is_forced and _is_current(target, fingerprint):
        logger.info("atlas %s: up to date, nothing rebuilt", audience)
        return target
    entries, skipped = collect_atlas_countries(countries, audience, today, config)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        site = staging / target.name
        site.mkdir()
        written = _SiteWriter(site, entries, audience, lang, config, today).write()
        record = {
            "audience": audience, "lang": lang, "fingerprint": fingerprint,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "package_version": __version__,
            "countries": {c.iso3: {"stage": c.stage, "endorsement_status": c.params.endorsement.status,
                                   "has_page": c.has_page, "n_files": len(c.files)} for c in entries},
            "skipped": skipped, "files": sorted(written),
        }
        (site / RECORD_NAME).write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
        replace_folder(site, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("atlas %s written to %s (%d countries)", audience, target, len(entries))
    return target


def build_atlases(countries: list[str] | None = None, *, lang: str = "fr", today: dt.date | None = None,
                  is_forced: bool = False) -> dict[str, Path]:
    """Write the public and the restricted builds in their default folders; return their paths.

    The batch calls this after the countries: call it with ``countries=None`` so the atlas always
    shows the whole region, not only the countries of the last run.
    """
    return {audience: build_atlas(countries, audience=audience, lang=lang, today=today, is_forced=is_forced)
            for audience in AUDIENCES}
