"""Chapter III: how the migration profile is known and used, who coordinates it, what hinders it.

Pure functions of a :class:`~mpanalysis.ingest.dataset.CountryDataset` and the country's
:class:`~mpanalysis.params.CountryParams`:

- the profile's editions (parameters) and the chapter I sources feeding each of its modules;
- awareness and use of the profile, and the functions it serves, by institution type;
- the working group and its coordinator, from the answers and the parameters, with flags when the
  two disagree;
- good practices and examples of use (respondents' free text and the workshop's);
- the problem/solution matrix: severity, prevalence and rank of each challenge, with the solutions
  retained at the workshop or, failing that, suggested from ``data/reference/solutions.yaml``;
- the measures (``profile.share_aware``…) and findings (:func:`find_profile_findings`) that
  chapter IV's recommendation rules read.

Shares are floats in [0, 1]; the guide formats them. Respondents' free text is returned as plain
strings: escaping is the renderers' job.
"""

from mpanalysis.analysis.profile.common import (
    PREVALENT_SEVERITY,
    PROFILE_FINDINGS_FILE,
    SEVERITY_COLUMNS,
    SOLUTIONS_FILE,
    TOTAL,
    find_entity,
    get_profile_label,
    load_profile_texts,
    pick_text,
)
from mpanalysis.analysis.profile.indicators import (
    build_profile_measures,
    find_profile_findings,
    get_profile_setting,
)
from mpanalysis.analysis.profile.problems import (
    build_needs_table,
    build_problem_matrix,
    format_problem_matrix,
    load_solutions,
)
from mpanalysis.analysis.profile.use import (
    ProfileUse,
    WorkingGroup,
    WorkingGroupFlag,
    build_functions_by_type,
    build_functions_table,
    build_good_practices,
    build_module_sources,
    build_profile_editions,
    build_use_by_type,
    build_working_group,
    measure_profile_use,
)

__all__ = [
    "PREVALENT_SEVERITY",
    "PROFILE_FINDINGS_FILE",
    "ProfileUse",
    "SEVERITY_COLUMNS",
    "SOLUTIONS_FILE",
    "TOTAL",
    "WorkingGroup",
    "WorkingGroupFlag",
    "build_functions_by_type",
    "build_functions_table",
    "build_good_practices",
    "build_module_sources",
    "build_needs_table",
    "build_problem_matrix",
    "build_profile_editions",
    "build_profile_measures",
    "build_use_by_type",
    "build_working_group",
    "find_entity",
    "find_profile_findings",
    "format_problem_matrix",
    "get_profile_label",
    "get_profile_setting",
    "load_profile_texts",
    "load_solutions",
    "measure_profile_use",
    "pick_text",
]
