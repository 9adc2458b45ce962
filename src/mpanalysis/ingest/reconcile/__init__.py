"""Institution names → entities: one entity id per institution, however respondents spell it.

Respondents name the same institution in many ways (accents, case, acronyms, typos), both when
they name their own institution and when they name the partners they exchange information with.
:func:`reconcile_institutions` turns every written name into one stable entity id:

1. aliases from the country's parameters pin decisions: a name listed there goes where the alias
   says and takes part in no other matching;
2. the responding institutions are clustered (same normalised name, same acronym, or a fuzzy
   score at or above the threshold);
3. each partner name is matched to a responding entity: same normalised name, then acronym, then
   fuzzy score;
4. the partners left over are clustered among themselves the same way and become non-respondent
   entities.

Fuzzy scores are rapidfuzz ``token_sort_ratio`` on normalised names. ``WRatio`` was rejected: its
partial matching scores a name against any longer name containing it at 90 ("Ministère de la
Santé" vs "Ministère de la Santé et de l'Action sociale"), silently merging a ministry with a
different one, whereas a missed merge shows up in the report and is fixed with one alias. On top
of the score, two names whose differing words are not spelling variants of each other ("intérieur"
vs "économie", "Thiès" vs "Kaolack", "1" vs "2") are never merged, however many generic words
("ministère", "direction générale") they share.

Acronyms come from the ``institution_acronym`` answer, from brackets ("… (ANSD)"), from a dash
("ANSD - …") or from a name that is only an acronym. A bare acronym nobody declared matches the
one institution whose initials it is ("OFPRA"); when two institutions fit, it goes to the one
with most submissions and is listed in ``unresolved``. Names sharing an acronym are merged,
unless both spell it out word for word with different words ("Direction générale des élections"
and "Direction générale de l'emploi", both "DGE"). A name an alias sends elsewhere takes part in
no acronym or fuzzy matching.

An entity's display ``name`` is how the institution writes itself most often (ties: neither all
capitals nor all lower case, the longest, with accents, then alphabetical; a bare acronym only
as a last resort); for a partner that never answered, the alias target if there is one, else
how partners write it most often. Entity ids are ``<ISO3>-<SLUG>`` from the acronym when known,
else from the normalised name; they only change when the acronym or the display name does.

Normalisation rules (stop words, abbreviations, sector keywords) are data:
``data/reference/name_normalisation.yaml``.
"""

from mpanalysis.ingest.reconcile.matching import (
    AMBIGUITY_MARGIN_POINTS,
    ENTITY_COLUMNS,
    INSTITUTION_COLUMNS,
    MATCH_COLUMNS,
    METHODS,
    NEAR_MISS_POINTS,
    REPORT_MIN_SCORE,
    SAME_WORDS_MIN_SCORE,
    SLUG_MAX_CHARS,
    UNRESOLVED_COLUMNS,
    Reconciliation,
    reconcile_institutions,
)
from mpanalysis.ingest.reconcile.names import (
    RULES_FILE,
    NameRules,
    load_name_rules,
    normalize_name,
    normalize_text,
    split_acronym,
)

__all__ = [
    "AMBIGUITY_MARGIN_POINTS",
    "ENTITY_COLUMNS",
    "INSTITUTION_COLUMNS",
    "MATCH_COLUMNS",
    "METHODS",
    "NEAR_MISS_POINTS",
    "NameRules",
    "REPORT_MIN_SCORE",
    "RULES_FILE",
    "Reconciliation",
    "SAME_WORDS_MIN_SCORE",
    "SLUG_MAX_CHARS",
    "UNRESOLVED_COLUMNS",
    "load_name_rules",
    "normalize_name",
    "normalize_text",
    "reconcile_institutions",
    "split_acronym",
]
