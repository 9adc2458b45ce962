"""The guide's document model: what chapter notebooks produce and the renderers consume.

A guide is a tree of frozen pydantic models — :class:`Guide` → :class:`Chapter` → :class:`Section`
→ blocks (:class:`Paragraph`, :class:`BulletList`, :class:`Callout`, :class:`KeyMessage`,
:class:`Signature`, :class:`Table`, :class:`Figure`). Every text is **plain text**, never HTML or Markdown: the renderers escape it,
so an answer such as ``<script>`` or ``=HYPERLINK(…)`` stays literal text in every format.

Figures and tables are numbered per chapter ("Figure II.3", "Tableau I.2") once, by
:func:`number_guide`, and every format prints the same label. A text may cite a figure or table by
its id with ``{ref:table_id}`` (the full label, "Tableau I.2") or ``{num:table_id}`` (the number
only, "I.2", for "voir le tableau {num:table_id}"). Only the package's own texts cite: whatever
comes from the data (an answer, a name) goes through :func:`protect_text`, so a ``{ref:…}`` typed
by a respondent is printed as typed, never turned into a link. Table cells never cite, and a
citation of an id the guide does not hold is printed as typed too (:func:`find_unknown_refs`
lists them for checks).

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    model_validator,
)

from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.paths import reference_dir

# data can never cite a figure: one implementation, shared with the wording of sentences
from mpanalysis.wording.quotes import LITERAL_MARK, protect_text, unprotect_text  # noqa: F401

__all__ = [
    "Block", "BulletList", "Callout", "Chapter", "DocumentError", "Figure", "Guide", "KeyMessage",
    "Numbering", "Paragraph", "PrintFigure", "RefLabel", "Section", "Signature", "Table",
    "find_unknown_refs", "iter_blocks",
    "label_blocks", "load_guide_texts", "number_guide", "protect_text", "read_chapter",
    "read_chapters", "replace_refs", "resolve_refs", "split_refs", "unprotect_text",
    "write_chapter",
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


class KeyMessage(_Block):
    """One of the guide's key messages: its key number (``headline``: "11 %", "R1") and the
    sentence saying what it means, which cites the figure or table showing it.

    >>> KeyMessage(headline="11 %", text="Seuls 11 % des échanges reposent sur un accord formel ({ref:t1}).").headline
    '11 %'
    """

    type: Literal["key_message"] = "key_message"
    headline: NonEmptyText
    text: NonEmptyText


class Signature(_Block):
    """The signature under a foreword: place and date, name, function, institution (one per line).

    >>> Signature(lines=["Dakar, le 30 septembre 2025", "A. Sarr"]).lines[1]
    'A. Sarr'
    """

    type: Literal["signature"] = "signature"
    lines: list[NonEmptyText] = Field(min_length=1)


class Table(_Block):
    """A numbered table: header ``columns`` and ``rows`` of text, numbers or ``None`` (empty).

    Numbers are formatted per language by the renderers (decimal comma in French); pass a string
    for a value that is already formatted ("45 %"). Cells are printed as they are: a cell never
    cites a figure (``{ref:id}`` in a cell is shown as typed).

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
    #: The number the table has in the full guide ("II.2") when shown out of its chapter (the
    #: brief): it keeps that label, so the brief and the full guide cite it alike.
    number: PlainText | None = None

    @model_validator(mode="after")
    def _rectangular(self) -> "Table":
        for index, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(f"table '{self.id}': row {index} has {len(row)} cells "
                                 f"but there are {len(self.columns)} columns")
        return self

    @classmethod
    def from_frame(cls, frame: Any, *, id: str, caption: str, notes: list[str] | None = None,
                   is_protected: bool = True) -> "Table":
        """Build a table from a pandas DataFrame (column names become the header).

        Text cells are data: they go through :func:`protect_text` unless ``is_protected`` is
        false, so a cell stays literal in every later step (the brief guide's citation rewrite,
        a preview, an export).

        >>> import pandas as pd
        >>> frame = pd.DataFrame({"Domaine": ["Crise"], "Sources": pd.array([pd.NA], dtype="Int64")})
        >>> Table.from_frame(frame, id="t1", caption="Sources").rows
        [['Crise', None]]
        >>> cell = Table.from_frame(pd.DataFrame({"a": ["{ref:t1}"]}), id="t2", caption="c").rows[0][0]
        >>> REF_PATTERN.search(cell) is None, unprotect_text(cell)
        (True, '{ref:t1}')
        """
        rows = [[protect_text(value) if is_protected and isinstance(value, str) else value
                 for value in row]
                for row in frame.astype(object).itertuples(index=False, name=None)]
        return cls(id=id, caption=caption, columns=[str(c) for c in frame.columns], rows=rows,
                   notes=notes or [])


def _check_plotly_json(value: str) -> str:
    """Refuse a text that is not a plotly figure's JSON (an object with a ``data`` list)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"plotly_json is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("data", []), list):
        raise ValueError("plotly_json must be a plotly figure: an object with a 'data' list")
    return value


PlotlyJson = Annotated[str, AfterValidator(_check_plotly_json)]


def _parse_figure(plotly_json: str) -> dict[str, Any]:
    parsed = json.loads(plotly_json)
    return {"data": parsed.get("data", []), "layout": parsed.get("layout", {})}


class PrintFigure(_Model):
    """The drawing of a figure made for paper (PDF, DOCX) when the screen's would not read there.

    An interactive figure can hold more than a printed page shows legibly (a network of fifty
    institutions, read by hovering and zooming). Its print drawing shows the same subject in a
    view that reads at print size, and its own ``alt`` text says what that drawing shows.
    """

    plotly_json: PlotlyJson
    alt: NonEmptyText


class Figure(_Block):
    """A numbered figure stored as plotly JSON (``fig.to_json()``).

    The HTML guide draws it interactively; PDF and DOCX get a static image of it — of its
    ``print_figure`` when it has one (a view made for paper), else of the same figure. ``alt`` is
    the text alternative read by screen readers: say what the figure shows, not how it looks.

    >>> import plotly.graph_objects as go
    >>> f = Figure.from_plotly(go.Figure(go.Bar(x=["a"], y=[1])), id="f1",
    ...                        caption="Sources par domaine", alt="Un domaine a une source.")
    >>> f.id, "data" in f.figure_dict(), f.print_alt
    ('f1', True, 'Un domaine a une source.')
    >>> p = Figure.from_plotly(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), id="f2", caption="c",
    ...                        alt="Deux domaines.", print_figure=go.Figure(go.Bar(x=["b"], y=[2])),
    ...                        print_alt="Le domaine b.")
    >>> list(p.figure_dict()["data"][0]["x"]), list(p.figure_dict(is_print=True)["data"][0]["x"]), p.print_alt
    (['a', 'b'], ['b'], 'Le domaine b.')
    """

    type: Literal["figure"] = "figure"
    id: BlockId
    caption: NonEmptyText
    alt: NonEmptyText
    plotly_json: PlotlyJson
    notes: list[NonEmptyText] = Field(default_factory=list)
    #: As :attr:`Table.number`: the number kept from the full guide when shown elsewhere.
    number: PlainText | None = None
    print_figure: PrintFigure | None = None

    def figure_dict(self, *, is_print: bool = False) -> dict[str, Any]:
        """Return the figure as a dict with ``data`` and ``layout``: the screen's, or with
        ``is_print`` the drawing made for paper (the same when the figure has none)."""
        if is_print and self.print_figure is not None:
            return _parse_figure(self.print_figure.plotly_json)
        return _parse_figure(self.plotly_json)

    @property
    def print_alt(self) -> str:
        """The text alternative of the printed drawing."""
        return self.print_figure.alt if self.print_figure is not None else self.alt

    @classmethod
    def from_plotly(cls, fig: Any, *, id: str, caption: str, alt: str,
                    notes: list[str] | None = None, print_figure: Any = None,
                    print_alt: str | None = None) -> "Figure":
        """Build a figure from a plotly ``Figure`` (or anything with ``to_json()``), with
        ``print_figure`` the drawing made for paper if the screen's does not read there; its
        ``print_alt`` defaults to the ``meta["alt"]`` of its layout.

        The text alternatives describe the data (they name institutions as respondents wrote
        them) and never cite: they go through :func:`protect_text`.
        """
        printed = None
        if print_figure is not None:
            if print_alt is None:
                print_alt = str((print_figure.layout.meta or {}).get("alt") or alt)
            printed = PrintFigure(plotly_json=print_figure.to_json(), alt=protect_text(print_alt))
        return cls(id=id, caption=caption, alt=protect_text(alt), plotly_json=fig.to_json(),
                   notes=notes or [], print_figure=printed)


Block = Annotated[Union[Paragraph, BulletList, Callout, KeyMessage, Signature, Table, Figure],
                  Field(discriminator="type")]


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
    #: False for the parts printed without a number (key messages, foreword, how to use this
    #: guide, the brief's parts): their heading is the title alone.
    is_numbered: bool = True
    #: False for a part printed straight after the previous one, on the same page (the brief's
    #: "how to use" after its foreword, its recommendations after its figures).
    starts_page: bool = True
    #: The running header of the sheets this part opens when parts are printed after it on them
    #: (by default their titles, joined).
    running_title: PlainText | None = None
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
    #: What the DRAFT mark means, on the cover; default: a country's guide awaiting endorsement
    #: by its national coordinating authority (``guide_texts.yaml``, ``draft_notice``).
    draft_notice: PlainText | None = None
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
        # A citation of an unknown id is not refused: it may come from an answer that escaped
        # protect_text, and one answer must not stop a guide. It is printed as typed.
        return self


def find_unknown_refs(guide: Guide) -> list[str]:
    """Return the citations that cite no figure or table of the guide ("II: {ref:t9}").

    The renderers print such a citation as typed; the package's own texts should have none, which
    tests and checks assert with this function.

    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="G", date="2025-01-31",
    ...           chapters=[Chapter(number="II", key="b", title="B",
    ...                             blocks=[Paragraph(text="voir {ref:t9} et " + protect_text("{ref:t8}"))])])
    >>> find_unknown_refs(g)
    ['II: {ref:t9}']
    """
    known = {getattr(block, "id", None) for chapter in [*guide.chapters, *guide.annexes]
             for block in iter_blocks(chapter)}
    return [f"{chapter.number}: {match.group(0)}" for chapter in [*guide.chapters, *guide.annexes]
            for text in iter_texts(chapter, has_cells=False) for match in REF_PATTERN.finditer(text)
            if match.group(2) not in known]


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


def iter_texts(part: Chapter | Section, *, has_cells: bool = True) -> Iterator[str]:
    """Yield every text of a chapter or section (titles, paragraphs, cells, captions…);
    ``has_cells=False`` leaves out table cells (they never cite)."""
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
        elif isinstance(block, KeyMessage):
            yield block.headline
            yield block.text
        elif isinstance(block, Signature):
            yield from block.lines
        elif isinstance(block, Table):
            yield block.caption
            yield from block.columns
            if has_cells:
                yield from (cell for row in block.rows for cell in row if isinstance(cell, str))
            yield from block.notes
        elif isinstance(block, Figure):
            yield block.caption
            yield block.alt
            if block.print_figure is not None:
                yield block.print_figure.alt
            yield from block.notes
    for section in part.sections:
        yield from iter_texts(section, has_cells=has_cells)


# --------------------------------------------------------------------------------------------
# Fixed texts and numbering


@lru_cache(maxsize=None)
def _read_texts(path: str) -> dict[str, dict[str, str]]:
    from mpanalysis.reference import read_reference_yaml

    file = Path(path)
    data = read_reference_yaml(file, "the guide's fixed texts")
    if not all(isinstance(v, dict) for v in data.values()):
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


def label_blocks(chapters: Iterable[Chapter], lang: str) -> Numbering:
    """Number the figures and tables of ``chapters`` per chapter, in reading order, in ``lang``.

    What :func:`number_guide` does for a whole guide; also for chapters that are not yet a guide
    (a one-chapter preview that cites the blocks of earlier chapters).

    >>> c = Chapter(number="III", key="k", title="T",
    ...             blocks=[Table(id="t_needs", caption="c", columns=["a"], rows=[])])
    >>> n = label_blocks([c], "en")
    >>> n.labels, n.numbers
    ({'t_needs': 'Table III.1'}, {'t_needs': 'III.1'})

    A block shown out of its chapter keeps the number it was given (:attr:`Table.number`):

    >>> brief = Chapter(number="B1", key="b", title="T", is_numbered=False, blocks=[
    ...     Table(id="t_net", caption="c", columns=["a"], rows=[], number="II.2")])
    >>> label_blocks([brief], "fr").labels
    {'t_net': 'Tableau II.2'}
    """
    texts = load_guide_texts(lang)
    labels: dict[str, str] = {}
    numbers: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for chapter in chapters:
        counters = {"figure": 0, "table": 0}
        for block in iter_blocks(chapter):
            if isinstance(block, (Figure, Table)):
                kind = block.type
                counters[kind] += 1
                numbers[block.id] = block.number or f"{chapter.number}.{counters[kind]}"
                labels[block.id] = f"{texts[kind]} {numbers[block.id]}"
                kinds[block.id] = kind
    return Numbering(labels=labels, numbers=numbers, kinds=kinds, lang=lang)


def number_guide(guide: Guide) -> Numbering:
    """Number figures and tables per chapter, in reading order, in the guide's language.

    >>> t = Table(id="t_dom", caption="c", columns=["a"], rows=[])
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide",
    ...           date="2025-01-31", chapters=[Chapter(number="I", key="a", title="A"),
    ...           Chapter(number="II", key="b", title="B", blocks=[Paragraph(text="x"), t])])
    >>> number_guide(g).labels
    {'t_dom': 'Tableau II.1'}
    """
    return label_blocks([*guide.chapters, *guide.annexes], guide.lang)


def split_refs(text: str, numbering: Numbering) -> list[str | RefLabel]:
    """Split a text into literal parts and resolved references, for renderers to format.

    A citation of an id the guide does not hold, and any text protected by :func:`protect_text`,
    stays literal text, as typed.

    >>> n = Numbering(labels={"t1": "Tableau I.2"}, numbers={"t1": "I.2"}, kinds={"t1": "table"})
    >>> split_refs("voir le tableau {num:t1} et {ref:t1}.", n)
    ['voir le tableau ', RefLabel(text='I.2', target='t1'), ' et ', RefLabel(text='Tableau I.2', target='t1'), '.']
    >>> split_refs("{ref:t9} " + protect_text("{ref:t1}"), n)
    ['{ref:t9} {ref:t1}']
    """
    parts: list[str | RefLabel] = []
    literal: list[str] = []
    position = 0
    for match in REF_PATTERN.finditer(text):
        kind, block_id = match.groups()
        if block_id not in numbering.labels:
            continue  # kept in the literal text around it
        literal.append(text[position:match.start()])
        if any(literal):
            parts.append(unprotect_text("".join(literal)))
        literal = []
        shown = numbering.labels[block_id] if kind == "ref" else numbering.numbers[block_id]
        parts.append(RefLabel(text=shown, target=block_id))
        position = match.end()
    literal.append(text[position:])
    if any(literal):
        parts.append(unprotect_text("".join(literal)))
    return parts


def resolve_refs(text: str, numbering: Numbering) -> str:
    """Return ``text`` with every reference replaced by its label (formats without links).

    >>> n = Numbering(labels={"t1": "Table I.2"}, numbers={"t1": "I.2"}, kinds={"t1": "table"})
    >>> resolve_refs("See {ref:t1}.", n)
    'See Table I.2.'
    """
    return "".join(p.text if isinstance(p, RefLabel) else p for p in split_refs(text, numbering))


#: Fields of a dumped chapter that are not text a reader sees (ids, figure JSON).
_NOT_TEXT_FIELDS = frozenset({"plotly_json", "id", "key", "number", "type", "audience", "kind"})


def replace_refs(chapter: Chapter, replace: Callable[[str, str], str | None], *,
                 has_cells: bool = False) -> Chapter:
    """Return a copy of ``chapter`` whose citations are rewritten by ``replace(kind, block_id)``
    (``kind`` is ``ref`` or ``num``); ``None`` keeps a citation as it is.

    For a chapter shown without the blocks it cites (a one-chapter preview, a brief guide).
    Table cells never cite and are left alone unless ``has_cells``; protected texts
    (:func:`protect_text`) hold no citation to rewrite.

    >>> ch = Chapter(number="IV", key="k", title="T", blocks=[
    ...     Paragraph(text="voir {ref:t1} et {ref:t2}, " + protect_text("{ref:t1}")),
    ...     Table(id="t3", caption="c", columns=["a"], rows=[["{ref:t1}"]])])
    >>> out = replace_refs(ch, lambda kind, block_id: "Tableau I.1" if block_id == "t1" else None)
    >>> unprotect_text(out.blocks[0].text), out.blocks[1].rows
    ('voir Tableau I.1 et {ref:t2}, {ref:t1}', [['{ref:t1}']])
    """
    def fix(text: str) -> str:
        def one(match: re.Match) -> str:
            new = replace(match.group(1), match.group(2))
            return match.group(0) if new is None else new
        return REF_PATTERN.sub(one, text)

    def walk(value: Any, field: str | None = None) -> Any:
        if isinstance(value, str):
            return value if field in _NOT_TEXT_FIELDS else fix(value)
        if isinstance(value, list):
            if field == "rows" and not has_cells:
                return value
            return [walk(v, field) for v in value]
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        return value

    return Chapter.model_validate(walk(chapter.model_dump(mode="json")))


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
    mpanalysis.guide.document.DocumentError: ...02_network.json: not a valid chapter: title: Field required
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
