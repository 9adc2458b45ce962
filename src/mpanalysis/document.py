"""The guide's document model: what chapter notebooks produce and the renderers consume.

A guide is a tree of frozen pydantic models — :class:`Guide` → :class:`Chapter` → :class:`Section`
→ blocks (:class:`Paragraph`, :class:`BulletList`, :class:`Callout`, :class:`Table`,
:class:`Figure`). Every text is **plain text**, never HTML or Markdown: the renderers escape it,
so an answer such as ``<script>`` or ``=HYPERLINK(…)`` stays literal text in every format.

Figures and tables are numbered per chapter ("Figure II.3", "Tableau I.2") once, by
:func:`number_guide`, and every format prints the same label. A text may cite a figure or table by
its id with ``{ref:table_id}`` (the full label, "Tableau I.2") or ``{num:table_id}`` (the number
only, "I.2", for "voir le tableau {num:table_id}").

Chapters travel between notebooks and the assembler as JSON
(``outputs/<ISO3>/<lang>/chapters/NN_key.json``): :func:`write_chapter` and :func:`read_chapter`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, JsonValue,
                      ValidationError, field_validator, model_validator)

from .errors import MpanalysisError, ReferenceDataError
from .paths import reference_dir

__all__ = [
    "Block", "BulletList", "Callout", "Chapter", "DocumentError", "Figure", "Guide", "Numbering",
    "Paragraph", "RefLabel", "Section", "Table", "iter_blocks", "load_guide_texts",
    "number_guide", "read_chapter", "read_chapters", "split_refs", "write_chapter",
]

#: Characters XML 1.0 forbids (a DOCX or an XHTML file holding one is unreadable).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: ``{ref:id}`` → "Tableau I.2"; ``{num:id}`` → "I.2".
REF_PATTERN = re.compile(r"\{(ref|num):([A-Za-z][A-Za-z0-9_-]*)\}")
_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"


class DocumentError(MpanalysisError):
    """A chapter or guide document is malformed (bad JSON, duplicated id, unknown reference).

    >>> str(DocumentError("unknown reference {ref:t9}", where="chapter II"))
    'chapter II: unknown reference {ref:t9}'
    """

    def __init__(self, message: str, *, where: str | Path | None = None) -> None:
        self.where = str(where) if where is not None else None
        super().__init__(f"{where}: {message}" if where else message)


def clean_text(text: str) -> str:
    """Return ``text`` without the control characters no document format can hold.

    Line ends become ``\\n``; tabs and line breaks are kept.

    >>> clean_text("a\\x00b\\r\\nc")
    'ab\\nc'
    """
    return _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


PlainText = Annotated[str, AfterValidator(clean_text)]
NonEmptyText = Annotated[str, AfterValidator(clean_text), Field(min_length=1)]
BlockId = Annotated[str, Field(pattern=_ID_PATTERN, max_length=80)]


def _to_cell(value: Any) -> Any:
    """Accept what a DataFrame yields: numpy scalars, ``pd.NA``, NaN become plain Python values."""
    if value is None:
        return None
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        raise ValueError("a table cell cannot be a boolean: give its label as text")
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar → Python scalar
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    return value


Cell = Annotated[Union[int, float, PlainText, None], BeforeValidator(_to_cell)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Block(_Model):
    """Fields every block has: who may read it and whether the brief guide keeps it.

    ``audience``: ``all`` (every edition), ``public`` (only the public edition, e.g. contacts of
    consenting respondents) or ``restricted`` (only the restricted edition, e.g. every contact).
    ``in_brief``: kept in the brief guide (key figures, top recommendations).
    """

    audience: Literal["all", "public", "restricted"] = "all"
    in_brief: bool = False


class Paragraph(_Block):
    """A paragraph of plain text (line breaks are kept).

    >>> Paragraph(text="Le Sénégal compte 12 institutions.").text
    'Le Sénégal compte 12 institutions.'
    """

    type: Literal["paragraph"] = "paragraph"
    text: NonEmptyText


class BulletList(_Block):
    """An unordered list of plain-text items.

    >>> len(BulletList(items=["ANSD", "DGPN"]).items)
    2
    """

    type: Literal["bullets"] = "bullets"
    items: list[NonEmptyText] = Field(min_length=1)


class Callout(_Block):
    """A highlighted box: ``info`` (to know), ``warning`` (caution) or ``finding`` (key finding).

    >>> Callout(kind="finding", title="Silos", text="Trois institutions n'échangent avec personne.").kind
    'finding'
    """

    type: Literal["callout"] = "callout"
    kind: Literal["info", "warning", "finding"] = "info"
    title: PlainText | None = None
    text: NonEmptyText


class Table(_Block):
    """A numbered table: header ``columns`` and ``rows`` of text, numbers or ``None`` (empty).

    Numbers are formatted per language by the renderers (decimal comma in French); pass a string
    for a value that is already formatted ("45 %").

    >>> t = Table(id="sources_by_domain", caption="Sources par domaine", columns=["Domaine", "N"],
    ...           rows=[["Tendances", 4], ["Frontières", None]])
    >>> t.rows[1]
    ['Frontières', None]
    """

    type: Literal["table"] = "table"
    id: BlockId
    caption: NonEmptyText
    columns: list[NonEmptyText] = Field(min_length=1)
    rows: list[list[Cell]]
    notes: list[NonEmptyText] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rectangular(self) -> "Table":
        for index, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(f"table '{self.id}': row {index} has {len(row)} cells "
                                 f"but there are {len(self.columns)} columns")
        return self

    @classmethod
    def from_frame(cls, frame: Any, *, id: str, caption: str, notes: list[str] | None = None) -> "Table":
        """Build a table from a pandas DataFrame (column names become the header).

        >>> import pandas as pd
        >>> frame = pd.DataFrame({"Domaine": ["Crise"], "Sources": pd.array([pd.NA], dtype="Int64")})
        >>> Table.from_frame(frame, id="t1", caption="Sources").rows
        [['Crise', None]]
        """
        rows = [list(row) for row in frame.astype(object).itertuples(index=False, name=None)]
        return cls(id=id, caption=caption, columns=[str(c) for c in frame.columns], rows=rows,
                   notes=notes or [])


class Figure(_Block):
    """A numbered figure stored as plotly JSON (``fig.to_json()``).

    The HTML guide draws it interactively; PDF and DOCX get a static image of it. ``alt`` is the
    text alternative read by screen readers: say what the figure shows, not how it looks.

    >>> import plotly.graph_objects as go
    >>> f = Figure.from_plotly(go.Figure(go.Bar(x=["a"], y=[1])), id="f1",
    ...                        caption="Sources par domaine", alt="Un domaine a une source.")
    >>> f.id, "data" in f.figure_dict()
    ('f1', True)
    """

    type: Literal["figure"] = "figure"
    id: BlockId
    caption: NonEmptyText
    alt: NonEmptyText
    plotly_json: str
    notes: list[NonEmptyText] = Field(default_factory=list)

    @field_validator("plotly_json")
    @classmethod
    def _is_plotly_json(cls, value: str) -> str:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"plotly_json is not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("data", []), list):
            raise ValueError("plotly_json must be a plotly figure: an object with a 'data' list")
        return value

    def figure_dict(self) -> dict[str, Any]:
        """Return the figure as a dict with ``data`` and ``layout``."""
        parsed = json.loads(self.plotly_json)
        return {"data": parsed.get("data", []), "layout": parsed.get("layout", {})}

    @classmethod
    def from_plotly(cls, fig: Any, *, id: str, caption: str, alt: str,
                    notes: list[str] | None = None) -> "Figure":
        """Build a figure from a plotly ``Figure`` (or anything with ``to_json()``)."""
        return cls(id=id, caption=caption, alt=alt, plotly_json=fig.to_json(), notes=notes or [])


Block = Annotated[Union[Paragraph, BulletList, Callout, Table, Figure], Field(discriminator="type")]


class Section(_Model):
    """A titled part of a chapter. ``level`` 1 sits directly in a chapter, 2 inside a level-1
    section, and so on (HTML ``h3``/``h4``…, Word "Heading 2"/"Heading 3"…).

    >>> s = Section(title="Sources existantes", blocks=[Paragraph(text="…")],
    ...             sections=[Section(title="Par domaine", level=2)])
    >>> s.sections[0].level
    2
    """

    title: NonEmptyText
    level: int = Field(default=1, ge=1, le=4)
    blocks: list[Block] = Field(default_factory=list)
    sections: list["Section"] = Field(default_factory=list)

    @model_validator(mode="after")
    def _nested_levels(self) -> "Section":
        for child in self.sections:
            if child.level != self.level + 1:
                raise ValueError(f"section '{child.title}' has level {child.level} but is nested in "
                                 f"'{self.title}' (level {self.level}): give it level {self.level + 1}")
        return self


class Chapter(_Model):
    """A numbered chapter (or annex): ``number`` "I"…"IV" for chapters, "A", "B"… for annexes.

    >>> ch = Chapter(number="II", key="policy_cycle", title="Le cycle des politiques migratoires",
    ...              intro="Qui intervient à chaque étape.", sections=[Section(title="Acteurs")])
    >>> ch.number, ch.sections[0].title
    ('II', 'Acteurs')
    """

    number: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,6}$")]
    key: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    title: NonEmptyText
    intro: PlainText | None = None
    blocks: list[Block] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)

    @model_validator(mode="after")
    def _top_levels(self) -> "Chapter":
        for section in self.sections:
            if section.level != 1:
                raise ValueError(f"section '{section.title}' sits directly in chapter {self.number}: "
                                 f"give it level 1 (it has {section.level})")
        return self


class Guide(_Model):
    """One country's guide in one language, edition and length.

    ``provenance`` maps keys (``package_version``, ``generated_at``, ``input_hashes``…) to JSON
    values; known keys get a translated label in the provenance block (``guide_texts.yaml``).
    """

    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    country_name: NonEmptyText
    lang: Annotated[str, Field(pattern=r"^[a-z]{2}$")]
    edition: Literal["public", "restricted"] = "public"
    length: Literal["brief", "full"] = "full"
    title: NonEmptyText
    subtitle: PlainText | None = None
    kind_label: PlainText | None = None  # cover kind line; default "User guide to the migration profile"
    date: dt.date
    version: NonEmptyText = "1.0"
    is_draft: bool = True
    is_synthetic: bool = False
    chapters: list[Chapter] = Field(default_factory=list)
    annexes: list[Chapter] = Field(default_factory=list)
    provenance: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids_and_refs(self) -> "Guide":
        numbers: set[str] = set()
        keys: set[str] = set()
        ids: dict[str, str] = {}
        for chapter in [*self.chapters, *self.annexes]:
            if chapter.number in numbers:
                raise ValueError(f"two chapters are numbered {chapter.number}")
            if chapter.key in keys:
                raise ValueError(f"two chapters have the key '{chapter.key}'")
            numbers.add(chapter.number)
            keys.add(chapter.key)
            for block in iter_blocks(chapter):
                block_id = getattr(block, "id", None)
                if block_id is None:
                    continue
                if block_id in ids:
                    raise ValueError(f"id '{block_id}' is used twice (chapters {ids[block_id]} "
                                     f"and {chapter.number}): figure and table ids must be unique")
                ids[block_id] = chapter.number
        for chapter in [*self.chapters, *self.annexes]:
            for text in iter_texts(chapter):
                for match in REF_PATTERN.finditer(text):
                    if match.group(2) not in ids:
                        raise ValueError(f"chapter {chapter.number}: {match.group(0)} cites no "
                                         f"figure or table of this guide (known ids: {sorted(ids)})")
        return self


def iter_blocks(part: Chapter | Section) -> Iterator[Block]:
    """Yield the blocks of a chapter or section in reading order (own blocks, then sections).

    >>> ch = Chapter(number="I", key="k", title="T", blocks=[Paragraph(text="a")],
    ...              sections=[Section(title="S", blocks=[Paragraph(text="b")])])
    >>> [b.text for b in iter_blocks(ch)]
    ['a', 'b']
    """
    yield from part.blocks
    for section in part.sections:
        yield from iter_blocks(section)


def iter_texts(part: Chapter | Section) -> Iterator[str]:
    """Yield every text of a chapter or section (titles, paragraphs, cells, captions…)."""
    if isinstance(part, Chapter):
        yield part.title
        if part.intro:
            yield part.intro
    else:
        yield part.title
    for block in part.blocks:
        if isinstance(block, Paragraph):
            yield block.text
        elif isinstance(block, BulletList):
            yield from block.items
        elif isinstance(block, Callout):
            if block.title:
                yield block.title
            yield block.text
        elif isinstance(block, Table):
            yield block.caption
            yield from block.columns
            yield from (cell for row in block.rows for cell in row if isinstance(cell, str))
            yield from block.notes
        elif isinstance(block, Figure):
            yield block.caption
            yield block.alt
            yield from block.notes
    for section in part.sections:
        yield from iter_texts(section)


# --------------------------------------------------------------------------------------------
# Fixed texts and numbering


@lru_cache(maxsize=None)
def _read_texts(path: str) -> dict[str, dict[str, str]]:
    file = Path(path)
    if not file.is_file():
        raise ReferenceDataError(f"{file}: the guide's fixed texts are missing")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"{file}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ReferenceDataError(f"{file}: each key must map languages to texts")
    return {str(key): {str(k): str(v) for k, v in value.items()} for key, value in data.items()}


def load_guide_texts(lang: str, folder: Path | None = None) -> dict[str, str]:
    """Return the guide's fixed texts (``data/reference/guide_texts.yaml``) in one language.

    >>> load_guide_texts("fr")["draft_mark"], load_guide_texts("en")["draft_mark"]
    ('PROJET', 'DRAFT')
    >>> load_guide_texts("de")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: ...guide_texts.yaml: no 'de' text for keys guide_kind, ...
    """
    path = (folder or reference_dir()) / "guide_texts.yaml"
    texts = _read_texts(str(path))
    missing = [key for key, values in texts.items() if lang not in values]
    if missing:
        shown = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
        raise ReferenceDataError(f"{path}: no '{lang}' text for keys {shown} "
                                 f"(add a '{lang}:' line to each)")
    return {key: values[lang] for key, values in texts.items()}


@dataclass(frozen=True)
class Numbering:
    """Labels of every figure and table of a guide, computed once for all formats.

    ``labels`` maps an id to its full label ("Tableau I.2"), ``numbers`` to "I.2", ``kinds`` to
    ``figure`` or ``table``; ``lang`` is the language of the labels.
    """

    labels: dict[str, str]
    numbers: dict[str, str]
    kinds: dict[str, str]
    lang: str = "fr"


@dataclass(frozen=True)
class RefLabel:
    """A resolved ``{ref:id}``: the text to print and the id of the block it points to."""

    text: str
    target: str


def number_guide(guide: Guide) -> Numbering:
    """Number figures and tables per chapter, in reading order, in the guide's language.

    >>> t = Table(id="t_dom", caption="c", columns=["a"], rows=[])
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide",
    ...           date="2025-01-31", chapters=[Chapter(number="I", key="a", title="A"),
    ...           Chapter(number="II", key="b", title="B", blocks=[Paragraph(text="x"), t])])
    >>> number_guide(g).labels
    {'t_dom': 'Tableau II.1'}
    """
    texts = load_guide_texts(guide.lang)
    labels: dict[str, str] = {}
    numbers: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for chapter in [*guide.chapters, *guide.annexes]:
        counters = {"figure": 0, "table": 0}
        for block in iter_blocks(chapter):
            if isinstance(block, (Figure, Table)):
                kind = block.type
                counters[kind] += 1
                numbers[block.id] = f"{chapter.number}.{counters[kind]}"
                labels[block.id] = f"{texts[kind]} {numbers[block.id]}"
                kinds[block.id] = kind
    return Numbering(labels=labels, numbers=numbers, kinds=kinds, lang=guide.lang)


def split_refs(text: str, numbering: Numbering) -> list[str | RefLabel]:
    """Split a text into literal parts and resolved references, for renderers to format.

    >>> n = Numbering(labels={"t1": "Tableau I.2"}, numbers={"t1": "I.2"}, kinds={"t1": "table"})
    >>> split_refs("voir le tableau {num:t1} et {ref:t1}.", n)
    ['voir le tableau ', RefLabel(text='I.2', target='t1'), ' et ', RefLabel(text='Tableau I.2', target='t1'), '.']
    """
    parts: list[str | RefLabel] = []
    position = 0
    for match in REF_PATTERN.finditer(text):
        kind, block_id = match.groups()
        if block_id not in numbering.labels:
            raise DocumentError(f"{match.group(0)} cites no figure or table of this guide")
        if match.start() > position:
            parts.append(text[position:match.start()])
        shown = numbering.labels[block_id] if kind == "ref" else numbering.numbers[block_id]
        parts.append(RefLabel(text=shown, target=block_id))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def resolve_refs(text: str, numbering: Numbering) -> str:
    """Return ``text`` with every reference replaced by its label (formats without links).

    >>> n = Numbering(labels={"t1": "Table I.2"}, numbers={"t1": "I.2"}, kinds={"t1": "table"})
    >>> resolve_refs("See {ref:t1}.", n)
    'See Table I.2.'
    """
    return "".join(p.text if isinstance(p, RefLabel) else p for p in split_refs(text, numbering))


# --------------------------------------------------------------------------------------------
# Chapter files


def write_chapter(chapter: Chapter, path: str | Path) -> Path:
    """Write a chapter as JSON, atomically (a reader never sees half a file).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ch = Chapter(number="I", key="sources", title="Panorama des sources")
    >>> read_chapter(write_chapter(ch, folder / "01_sources.json")) == ch
    True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp",
                                     delete=False) as handle:
        handle.write(chapter.model_dump_json(indent=1))
    os.replace(handle.name, path)
    return path


def read_chapter(path: str | Path) -> Chapter:
    """Read a chapter written by :func:`write_chapter`; a bad file names itself in the error.

    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "02_network.json"
    >>> _ = bad.write_text('{"number": "II", "key": "network"}')
    >>> read_chapter(bad)
    Traceback (most recent call last):
    ...
    mpanalysis.document.DocumentError: ...02_network.json: not a valid chapter: title: Field required
    """
    path = Path(path)
    if not path.is_file():
        raise DocumentError("chapter file not found (did the chapter notebook run?)", where=path)
    try:
        return Chapter.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise DocumentError(f"not a valid chapter: {where}: {first['msg']}", where=path) from None


def read_chapters(folder: str | Path) -> list[Chapter]:
    """Read every ``NN_key.json`` chapter of a folder, in file-name order.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_chapter(Chapter(number="II", key="b", title="B"), folder / "02_b.json")
    >>> _ = write_chapter(Chapter(number="I", key="a", title="A"), folder / "01_a.json")
    >>> [c.number for c in read_chapters(folder)]
    ['I', 'II']
    """
    return [read_chapter(path) for path in sorted(Path(folder).glob("[0-9][0-9]_*.json"))]
