"""An export's column headers back to the questionnaire's field names and option codes.

KoboToolbox and ODK Central write a column header in several ways, and all of them are read:

- the XML name (``institution_name``) or the question's label in any language of the form
  (``Nom complet de l'institution``, KoboToolbox's default export);
- with or without the names or labels of the groups in front, joined by any separator the
  servers offer (``identification/institution_name``, ``identification__institution_name``,
  ``identification-institution_name``, ``Identification de l'institution:Pays``);
- a select-multiple option column as ``question/option``, each part as a name/code or a label.

Labels come from ``data/questionnaire/questions.yaml`` and options from the reference lists in
``data/reference/`` (every ``label_<lang>`` column), so a language added there is read here
without any code change. Case, accents and apostrophe variants are ignored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from mpanalysis.ingest import form
from mpanalysis.ingest.issues import _current_reference_folder
from mpanalysis.ingest.values import _choice_lookup, fold_text

#: Separators between group, question and option in a header, longest first.
SEPARATORS = ("__", "/", ":", ".", "-")
_SEPARATOR_PATTERN = re.compile("|".join(re.escape(s) for s in SEPARATORS))


@lru_cache(maxsize=None)
def _field_keys(reference_folder: str) -> dict[str, dict[str, str]]:
    """``{table: {folded name or label: field name}}``; a label two fields share is left out."""
    from mpanalysis.reference import read_reference_yaml

    path = Path(reference_folder).parent / "questionnaire" / "questions.yaml"
    questions = read_reference_yaml(path, "questionnaire wording")
    wording = questions.get("fields") or {}
    keys: dict[str, dict[str, str]] = {}
    for table in (form.MAIN, *form.REPEATS):
        candidates: dict[str, set[str]] = {}
        for spec in form.get_fields(table):
            candidates.setdefault(fold_text(spec.name), set()).add(spec.name)
            labels = (wording.get(spec.name) or {}).get("label") or {}
            for text in labels.values() if isinstance(labels, dict) else ():
                if isinstance(text, str) and text.strip():
                    candidates.setdefault(fold_text(text), set()).add(spec.name)
        keys[table] = {key: names.pop() for key, names in candidates.items() if len(names) == 1}
    return keys


def _split_points(header: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every separator in ``header``, left to right."""
    return [(m.start(), m.end()) for m in _SEPARATOR_PATTERN.finditer(header)]


def resolve_header(header: str, table: str) -> tuple[str, str | None] | None:
    """Return ``(field, None)`` for a question's column, ``(field, option)`` for a select-multiple
    option column, or None for a column that is not a question of ``table``.

    The longest readable tail of the header wins, so group names or labels in front are skipped
    whatever their separator.

    >>> resolve_header("identification__institution_name", "main")
    ('institution_name', None)
    >>> resolve_header("Identification de l'institution/Type d’institution", "main")
    ('institution_type', None)
    >>> resolve_header("flows/flow_domains/border_management", "flows")
    ('flow_domains', 'border_management')
    >>> resolve_header("Domaines concernés par l'échange/Migration en situation de crise", "flows")
    ('flow_domains', 'crisis')
    >>> resolve_header("needs/lobbying", "main")
    ('needs', 'lobbying')
    >>> resolve_header("start", "main") is None
    True
    """
    folder = _current_reference_folder()
    fields = _field_keys(folder)[table]
    points = _split_points(header)
    starts = [0, *[end for _, end in points]]
    fallback: tuple[str, str | None] | None = None
    for start in starts:
        tail = header[start:]
        name = fields.get(fold_text(tail))
        if name is not None:
            return name, None
        for sep_start, sep_end in points:
            if sep_start < start:
                continue
            name = fields.get(fold_text(header[start:sep_start]))
            option_text = header[sep_end:].strip()
            if name is None or not option_text or form.get_field(name).kind != "select_multiple":
                continue
            code = _choice_lookup(form.get_field(name).choices, folder).get(fold_text(option_text))
            if code is not None:
                return name, code
            if fallback is None:
                # An option the list does not have: kept as written, validation reports it.
                fallback = (name, option_text)
    return fallback


def count_fields(headers: list[str | None], table: str) -> int:
    """Return how many headers are questions (or options) of ``table``: tells a sheet's table.

    >>> count_fields(["sources/source_name", "sources/source_domain", "_parent_index"], "sources")
    2
    >>> count_fields(["sources/source_name"], "flows")
    0
    """
    return sum(1 for h in headers if h and not h.startswith("_") and resolve_header(h, table) is not None)
