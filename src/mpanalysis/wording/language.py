"""Which language a text is written in, and names typed in capitals put back in their case."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mpanalysis.wording.rules import get_language_rules, list_wording_languages


def guess_language(text: str, languages: Iterable[str] | None = None) -> str | None:
    """Return the language whose marker words (``wording.yaml``) ``text`` uses most, or None when
    no language stands out (a bare acronym, a proper name). ``languages``: those to choose among
    (default: every language of ``wording.yaml``).

    >>> guess_language("Ministry of the Interior"), guess_language("Ministère de l'Intérieur")
    ('en', 'fr')
    >>> guess_language("Ministério da Administração Interna"), guess_language("UNHCR") is None
    ('pt', True)
    """
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    scores = {}
    for lang in languages or list_wording_languages():
        markers = set(get_language_rules(lang).marker_words)
        scores[lang] = sum(1 for w in words if w in markers)
    if not scores:
        return None
    best = max(scores.values())
    winners = [lang for lang, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _title_case_capital_runs(text: str, lang: str = "en") -> str:
    """Put runs of two or more words typed in capitals in the case names take in ``lang`` (a lone
    acronym stays): French capitalises the first word only (``name_case: sentence``), English and
    Portuguese every word but the small ones (``name_case: title``, ``small_words``)."""
    rules = get_language_rules(lang)
    small_words = set(rules.small_words)
    is_title_case = rules.name_case == "title"
    parts = re.split(r"([^\W\d_]+)", text)  # words at odd positions
    runs: list[list[int]] = []
    current: list[int] = []
    for index in range(1, len(parts), 2):
        is_caps = parts[index].isupper() and len(parts[index]) >= 2 or (
            current and parts[index].isupper())
        joined_to_previous = bool(current) and re.fullmatch(r"[ '’-]+", parts[index - 1] or "") is not None
        if is_caps and (not current or joined_to_previous):
            current.append(index)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = [index] if is_caps else []
    if len(current) >= 2:
        runs.append(current)
    for run in runs:
        if max(len(parts[i]) for i in run) < 4:
            continue  # "DG ONU": acronyms side by side
        first = run[0]
        for i in run:
            word = parts[i]
            lowered = word.casefold()
            if i == first or (is_title_case and lowered not in small_words):
                parts[i] = word[:1] + word[1:].casefold()
            else:
                parts[i] = lowered
    return "".join(parts)


def tidy_name(name: str, lang: str | None = None) -> str:
    """Return an institution name typed all in capitals in the case of its language (guessed when
    ``lang`` is None): French capitalises the first word, English and Portuguese every word but
    small ones; other names, and an acronym alone, are unchanged.

    >>> tidy_name("DIRECTION GÉNÉRALE DES DOUANES"), tidy_name("MINISTRY OF HEALTH")
    ('Direction générale des douanes', 'Ministry of Health')
    >>> tidy_name("DIREÇÃO GERAL DE ESTATÍSTICA E DA MIGRAÇÃO")
    'Direção Geral de Estatística e da Migração'

    >>> tidy_name("UNHCR"), tidy_name("Banque centrale")
    ('UNHCR', 'Banque centrale')
    """
    if name.isupper() and len(re.findall(r"[^\W\d_]+", name)) >= 2:
        return _title_case_capital_runs(name, lang or guess_language(name) or "fr")
    return name
