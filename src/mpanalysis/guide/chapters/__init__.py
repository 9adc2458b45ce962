"""Chapter builders: turn the analysis of one country into the guide's chapters.

Each ``build_*_chapter`` function returns a :class:`~mpanalysis.guide.chapters.base.ChapterResult`
(the document chapter, its findings, its measures and its tables); the chapter notebooks call
them, display the result and save it with :func:`save_chapter_result` for the guide assembly.
"""

from mpanalysis.guide.chapters.base import (
    ChapterContext,
    ChapterResult,
    load_chapter_context,
    load_chapter_results,
    load_findings,
    load_measures,
    save_chapter_result,
)
from mpanalysis.guide.texts import get_chapter_text

__all__ = [
    "ChapterContext", "ChapterResult", "get_chapter_text", "load_chapter_context",
    "load_chapter_results", "load_findings", "load_measures", "save_chapter_result"
]
