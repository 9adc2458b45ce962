"""Open data of a country: its canonical tables (CSV and one XLSX) and its actor network.

Open data are public: respondents' personal details (name, email, phone) are left out whatever
their consent, and every text cell is made inert for spreadsheets.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from mpanalysis.fileio import open_atomic_path, write_csv_safe, write_xlsx_safe
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.recommendations import OPEN_DATA_TABLE
from mpanalysis.ingest.form import FIELDS

#: Tables published as open data, in this order.
OPEN_TABLES = ("entities", "respondents", "sources", "flows", "stages", "challenges", "needs", "mp_use", "counts")
PERSONAL_COLUMNS = tuple(f.name for f in FIELDS if f.is_personal)


def build_open_tables(ctx: ChapterContext) -> dict[str, pd.DataFrame]:
    """Return the open-data tables, without personal columns.

    >>> from mpanalysis.guide.chapters import load_chapter_context
    >>> tables = build_open_tables(load_chapter_context("SEN", "fr"))
    >>> "respondent_email" in tables["respondents"].columns
    False
    """
    tables = {}
    for name in OPEN_TABLES:
        frame = ctx.dataset.get_table(name)
        tables[name] = frame.drop(columns=[c for c in PERSONAL_COLUMNS if c in frame.columns])
    return tables


def write_open_data(ctx: ChapterContext, folder: Path, network_dir: Path | None = None,
                    tables_dir: Path | None = None) -> list[Path]:
    """Write ``<table>.csv`` for every open table, ``<ISO3>_tables.xlsx`` with one sheet each, and
    copy the network files (GraphML, GEXF, nodes/edges CSV) from ``network_dir`` when present.

    ``tables_dir`` is where the chapter notebooks saved their tables (one language's
    ``work/<lang>/tables``): chapter IV's recommendations become ``recommendations.csv`` (id,
    category, priority, lead institution, partners, time frame, indicator, evidence, text)."""
    folder = Path(folder)
    tables = build_open_tables(ctx)
    recommendations = Path(tables_dir or "") / f"recommendations__{OPEN_DATA_TABLE}.csv"
    if tables_dir is not None and recommendations.is_file():
        tables["recommendations"] = pd.read_csv(recommendations, dtype=str, keep_default_na=False,
                                                encoding="utf-8-sig")
    written = [write_csv_safe(frame, folder / f"{name}.csv") for name, frame in tables.items()]
    written.append(write_xlsx_safe(tables, folder / f"{ctx.country}_tables.xlsx"))
    if network_dir is not None and Path(network_dir).is_dir():
        for source in sorted(Path(network_dir).iterdir()):
            if source.is_file():
                with open_atomic_path(folder / source.name) as tmp:
                    shutil.copyfile(source, tmp)
                written.append(folder / source.name)
    return written
