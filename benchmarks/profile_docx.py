"""Time and profile the DOCX writer on one demo guide (not part of the package).

Build the demo work files once (``mpanalysis run SEN --lang fr --format docx``), then::

    .venv/bin/python benchmarks/profile_docx.py SEN fr full [--repeat 10] [--profile] [--save out.docx]

The figures are drawn once (Chromium) before the timing: the loop measures python-docx alone,
as a second guide of the same process does.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import time


def load_guide(country: str, lang: str, length: str):
    from mpanalysis.guide.chapters.annexes import build_annexes
    from mpanalysis.guide.chapters.base import load_chapter_context
    from mpanalysis.paths import outputs_dir
    from mpanalysis.publish.assemble import assemble_guide, load_guide_chapters

    today = dt.date(2025, 1, 31)
    work = outputs_dir(country) / "work" / lang
    ctx = load_chapter_context(country, lang)
    return assemble_guide(ctx, work, edition="public", length=length, version="1", today=today,
                          chapters=load_guide_chapters(work, lang), annexes=build_annexes(ctx, today),
                          provenance={"generated_at": "2025-01-31T00:00:00+00:00", "edition": 1})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("country", nargs="?", default="SEN")
    parser.add_argument("lang", nargs="?", default="fr")
    parser.add_argument("length", nargs="?", default="full")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save")
    args = parser.parse_args()

    from mpanalysis.render.docx import build_docx

    guide = load_guide(args.country, args.lang, args.length)
    data = build_docx(guide)  # draws the figures, warms the caches
    if args.save:
        with open(args.save, "wb") as out:
            out.write(data)
    profiler = cProfile.Profile() if args.profile else None
    times = []
    for _ in range(args.repeat):
        started = time.process_time()
        if profiler:
            profiler.enable()
        build_docx(guide)
        if profiler:
            profiler.disable()
        times.append(time.process_time() - started)
    times.sort()
    print(f"{args.country} {args.lang} {args.length}: build_docx CPU min {times[0]:.3f} s, "
          f"median {times[len(times) // 2]:.3f} s over {len(times)} runs")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
