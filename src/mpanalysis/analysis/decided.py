"""The national workshop's decisions on the findings: confirmed, corrected, rejected.

A confirmed finding is kept and marked as validated at the workshop; a corrected one takes the
workshop's sentence (in the guide's language when the worksheet gave it, else as written) and is
marked too; a rejected one leaves the guide (chapters, recommendations' evidence) and is listed,
with the reason given, in the methodology annex. A decision on a finding this edition's answers
no longer produce is left aside and reported by :func:`find_unapplied_finding_decisions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mpanalysis.analysis.findings import Finding
from mpanalysis.decisions import Decisions, FindingDecision


def pick_language(texts: dict[str, str] | None, lang: str) -> str:
    """Return the text in ``lang``, else the first one given (a worksheet is filled in one
    language: its words are better than none).

    >>> pick_language({"fr": "Oui"}, "en"), pick_language(None, "en")
    ('Oui', '')
    """
    if not texts:
        return ""
    return texts.get(lang) or next((t for t in texts.values() if t), "")


def apply_finding_decisions(findings: Sequence[Finding], decisions: Decisions | None
                            ) -> tuple[list[Finding], list[tuple[Finding, FindingDecision]]]:
    """Return ``(kept findings, rejected findings with their decision)``.

    >>> f = Finding(id="a", kind="k", severity="high", chapter="I", text={"fr": "Faux.", "en": "Wrong."},
    ...             evidence="table I.1")
    >>> d = Decisions(country="SEN", workshop={"findings": [{"id": "a", "decision": "corrected",
    ...                                                     "correction": {"fr": "Juste."}}]})
    >>> kept, rejected = apply_finding_decisions([f], d)
    >>> kept[0].text, kept[0].validation, rejected
    ({'fr': 'Juste.', 'en': 'Juste.'}, 'corrected', [])
    """
    if decisions is None or decisions.workshop is None or not decisions.workshop.findings:
        return list(findings), []
    by_id = {d.id: d for d in decisions.workshop.findings}
    kept: list[Finding] = []
    rejected: list[tuple[Finding, FindingDecision]] = []
    for finding in findings:
        decision = by_id.get(finding.id)
        if decision is None:
            kept.append(finding)
        elif decision.decision == "rejected":
            rejected.append((finding, decision))
        elif decision.decision == "corrected" and decision.correction:
            text = {lang: pick_language(decision.correction, lang) for lang in finding.text}
            kept.append(finding.model_copy(update={"text": text, "validation": "corrected"}))
        else:
            kept.append(finding.model_copy(update={"validation": "confirmed"}))
    return kept, rejected


def find_unapplied_finding_decisions(findings: Iterable[Finding], decisions: Decisions | None) -> list[str]:
    """Return the ids of the workshop's finding decisions that no finding of this build has.

    >>> find_unapplied_finding_decisions([], Decisions(country="SEN", workshop={"findings": [
    ...     {"id": "gone", "decision": "confirmed"}]}))
    ['gone']
    """
    if decisions is None or decisions.workshop is None:
        return []
    ids = {f.id for f in findings}
    return [d.id for d in decisions.workshop.findings if d.id not in ids]
