"""The ``mpanalysis`` command line.

Every command turns a user's mistake (``MpanalysisError``) into one clear message and exit code
2; only a bug in the package shows a traceback. Country codes and languages are checked before
anything touches the disk; commands that write a country's outputs hold the project's lock
(:mod:`mpanalysis.batch.lock`), so two runs never write the same files at once.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from mpanalysis._version import __version__
from mpanalysis.errors import MpanalysisError

EXIT_USER_ERROR = 2


def _check_code(code: str) -> str:
    from mpanalysis.paths import normalize_country_code

    try:
        return normalize_country_code(code)
    except ValueError as exc:
        raise MpanalysisError(str(exc)) from None


def _resolve_countries(targets: list[str], is_all: bool, *, with_demo: bool = False) -> list[str]:
    if is_all:
        from mpanalysis.params import list_region_countries

        countries = list_region_countries(include_demo=with_demo or None)
        if not countries:
            raise MpanalysisError("no parameters file in params/: create one with `mpanalysis init ISO3`")
        return countries
    if not targets:
        raise MpanalysisError("name a country (ISO3 code) or a path, or use --all")
    return [_check_code(t) for t in targets]


def _check_languages(langs: tuple[str, ...] | list[str] | None) -> None:
    """Stop before any work when a language has no translations (listing those that have)."""
    from mpanalysis.reference import check_language

    for lang in langs or ():
        check_language(lang)


def _split_validate_targets(targets: list[str], is_all: bool) -> list[tuple[str, str | None]]:
    """``(target, ISO3 or None)``: a code names a configured country, anything else a path."""
    if is_all:
        return [(c, c) for c in _resolve_countries([], True, with_demo=True)]
    if not targets:
        raise MpanalysisError("name a country (ISO3 code) or a path, or use --all")
    resolved = []
    for target in targets:
        if Path(target).exists():
            resolved.append((target, None))
        elif re.fullmatch(r"\s*[A-Za-z]{3}\s*", target):
            code = _check_code(target)
            resolved.append((code, code))
        else:
            raise MpanalysisError(f"'{target}' is neither a country code (ISO3) nor an existing file or folder")
    return resolved


def _loose_report_folder(target: str) -> Path:
    """Where the report of a loose file or folder goes: never a country's own outputs/<ISO3>/."""
    from mpanalysis.paths import outputs_dir

    path = Path(target).resolve()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem if path.is_file() else path.name).strip("-.") or "input"
    return outputs_dir() / "validation" / slug


def cmd_validate(args: argparse.Namespace) -> int:
    from mpanalysis.batch.lock import hold_project_lock
    from mpanalysis.ingest.dataset import load_country_dataset
    from mpanalysis.ingest.report import (
        format_counts_table,
        format_validation_summary,
        write_validation_report,
    )
    from mpanalysis.params import load_params

    _check_languages([args.lang] if args.lang else None)
    targets = _split_validate_targets(args.targets, args.all)
    failures = 0
    with hold_project_lock("validate", is_waiting=args.wait):
        for target, code in targets:
            try:
                lang = args.lang or (load_params(code).languages[0] if code else "fr")
                dataset = load_country_dataset(target, lang=lang)
                if args.output:
                    folder = Path(args.output)
                elif code:
                    from mpanalysis.paths import outputs_dir

                    folder = outputs_dir(dataset.country) / "validation"
                else:
                    folder = _loose_report_folder(target)
                written = write_validation_report(dataset, folder, lang=lang)
            except MpanalysisError as exc:
                failures += 1
                print(f"[{target}] error: {exc}", file=sys.stderr)
                continue
            print(f"== {dataset.country} ==")
            print(format_counts_table(dataset, lang))
            print(format_validation_summary(dataset, lang, written["html"]))
            print()
    return EXIT_USER_ERROR if failures else 0


def cmd_template(args: argparse.Namespace) -> int:
    from mpanalysis.ingest.xlsform import write_template

    path = write_template(Path(args.output), lang=args.lang)
    print(f"Offline questionnaire template written to {path}")
    return 0


def cmd_questionnaire(args: argparse.Namespace) -> int:
    from mpanalysis.ingest.xlsform import write_questionnaire_files, write_xlsform

    if args.output:
        print(f"XLSForm written to {write_xlsform(Path(args.output))}")
        return 0
    for path in write_questionnaire_files():
        print(f"written {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mpanalysis.ingest.demo import check_demo_region, generate_demo_region
    from mpanalysis.paths import find_project_root

    root = find_project_root()
    if args.check:
        stale = check_demo_region(root)
        if stale:
            print("The committed demo data differ from the generator: " + ", ".join(stale), file=sys.stderr)
            print("Regenerate with `mpanalysis demo`.", file=sys.stderr)
            return 1
        print("Demo data are up to date.")
        return 0
    countries = [_check_code(c) for c in args.countries] or None
    written = generate_demo_region(root, countries=countries)
    print(f"Demo region written: {len(written)} file(s) (synthetic demonstration data).")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from mpanalysis.ingest.scaffold import init_country

    created = init_country(_check_code(args.iso3), force=args.force)
    for path in created:
        print(f"created {path}")
    print(f"Fill in {created[0]} and put the questionnaire exports in {created[1]}.")
    return 0


def _split_list(value: str | None, allowed: tuple[str, ...] | None, option: str) -> tuple[str, ...] | None:
    if not value:
        return None
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    if allowed is not None:
        wrong = [v for v in items if v not in allowed]
        if wrong:
            raise MpanalysisError(f"{option}: unknown value(s) {wrong}; choose among {list(allowed)}")
    return items


def cmd_run(args: argparse.Namespace) -> int:
    import os

    from mpanalysis.batch.job import BuildOptions
    from mpanalysis.batch.lock import hold_project_lock
    from mpanalysis.batch.run import format_summary_table, run_countries, write_run_summary
    from mpanalysis.params import WITH_DEMO_VARIABLE, load_params
    from mpanalysis.publish.assemble import EDITIONS, LENGTHS
    from mpanalysis.render import FORMATS

    if args.with_demo:
        os.environ[WITH_DEMO_VARIABLE] = "1"  # the workers and the regional notebook inherit it
    countries = _resolve_countries(args.targets, args.all, with_demo=args.with_demo)
    langs = _split_list(args.lang, None, "--lang")
    _check_languages(langs)
    for country in countries:
        try:
            load_params(country)  # an unavailable language in the parameters stops here, before any work
        except MpanalysisError as exc:
            if getattr(exc, "key", None) == "languages":
                raise  # other problems of a country's parameters are reported by its build
    options = BuildOptions(
        langs=langs,
        editions=_split_list(args.edition, EDITIONS, "--edition"),
        lengths=_split_list(args.length, LENGTHS, "--length") or ("full", "brief"),
        formats=_split_list(args.format, tuple(FORMATS), "--format") or ("html", "pdf", "docx"),
        is_forced=args.force,
    )
    with hold_project_lock("run " + " ".join(args.targets or ["--all"]), is_waiting=args.wait):
        results = run_countries(countries, options, workers=args.workers, scheduler=args.scheduler,
                                show_progress=not args.quiet)
        if args.all and not args.no_region:
            from mpanalysis.batch.run import build_region_outputs

            results += build_region_outputs(options)
        summary = write_run_summary(results)
    print(format_summary_table(results))
    print(f"Summary written to {summary}")
    failed = [r for r in results if r.is_failed]
    for r in failed:
        if r.log:
            print(f"[{r.country}] log: {r.log}", file=sys.stderr)
    return 1 if failed else 0


def cmd_atlas(args: argparse.Namespace) -> int:
    from mpanalysis.batch.lock import hold_project_lock
    from mpanalysis.publish.atlas import build_atlas

    _check_languages([args.lang])
    audiences = ["public", "restricted"] if args.audience == "both" else [args.audience]
    with hold_project_lock("atlas", is_waiting=args.wait):
        for audience in audiences:
            path = build_atlas(audience=audience, lang=args.lang, is_forced=args.force)
            print(f"{audience} atlas: {path / 'index.html'}")
    return 0


def cmd_translations(args: argparse.Namespace) -> int:
    from mpanalysis.reference import find_missing_translations

    missing = find_missing_translations(args.check)
    for line in missing:
        print(line)
    if missing:
        print(f"{len(missing)} text(s) or column(s) still to translate into '{args.check}'.")
        return 1
    print(f"Every text has a '{args.check}' translation.")
    return 0


def _ensure_built(country: str, langs: list[str]) -> None:
    """Build the country's HTML guides when a language has no build yet (the workshop kit and the
    review copy show the guide as it stands)."""
    from mpanalysis.batch.job import BuildOptions, build_country
    from mpanalysis.paths import outputs_dir

    missing = [lang for lang in langs if not (outputs_dir(country) / "work" / lang / "chapters" / "recommendations.json").is_file()]
    if missing:
        print(f"[{country}] building the guide in {', '.join(missing)} first…")
        result = build_country(country, BuildOptions(langs=tuple(missing), formats=("html",), lengths=("full",)))
        if result.is_failed:
            raise MpanalysisError(f"{country}: the build failed ({result.message}); log: {result.log}")


def _parse_date(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MpanalysisError(f"{option}: '{text}' is not a date (YYYY-MM-DD)") from None


def _run_for_country(command: str, args: argparse.Namespace, run) -> int:
    """Check the country code and parameters, then ``run(args, country, params)`` holding the
    project's lock (the command writes the decisions file and outputs)."""
    from mpanalysis.batch.lock import hold_project_lock
    from mpanalysis.params import load_params

    country = _check_code(args.iso3)
    params = load_params(country)
    with hold_project_lock(f"{command} {country}"):
        return run(args, country, params)


def cmd_workshop(args: argparse.Namespace) -> int:
    _parse_date(args.date, "--date")  # a typo is said before any work
    return _run_for_country("workshop", args, _run_workshop)


def _run_workshop(args: argparse.Namespace, country: str, params) -> int:
    if args.read:
        from mpanalysis.workshop.readback import read_workshop_worksheets

        result = read_workshop_worksheets(country, args.read, lang=args.lang,
                                          date=_parse_date(args.date, "--date"),
                                          place=args.place, is_dry_run=args.dry_run)
        print(f"{len(args.read)} worksheet(s) read without a mistake. What will change in the guide:")
        for line in result.changes or ["nothing"]:
            print(f"  - {line}")
        if args.dry_run:
            print("Dry run: nothing written.")
        else:
            print(f"Decisions written to {result.path}; `mpanalysis run {country}` rebuilds the guide with them.")
        return 0
    from mpanalysis.workshop.kit import write_workshop_kit

    langs = list(_split_list(args.lang, tuple(params.languages), "--lang") or params.languages)
    _ensure_built(country, langs)
    for path in write_workshop_kit(country, langs, is_pdf=not args.no_pdf):
        print(f"written {path}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    return _run_for_country("review", args, _run_review)


def _run_review(args: argparse.Namespace, country: str, params) -> int:
    if args.read:
        from mpanalysis.workshop.review import read_review_sheet

        result = read_review_sheet(country, args.read)
        print(f"Review sheet read without a mistake ({result.record.lang}). What will change in the guide:")
        for line in result.changes or ["nothing: every passage accepted"]:
            print(f"  - {line}")
        print(f"Decisions written to {result.path}; `mpanalysis run {country}` rebuilds the guide with them.")
        return 0
    from mpanalysis.workshop.review import write_review_kit

    langs = list(_split_list(args.lang, tuple(params.languages), "--lang") or params.languages[:1])
    _ensure_built(country, langs)
    for lang in langs:
        for path in write_review_kit(country, lang):
            print(f"written {path}")
    return 0


def cmd_endorse(args: argparse.Namespace) -> int:
    _check_code(args.iso3)
    date = _parse_date(args.date, "--date")  # a typo is said before any work
    return _run_for_country("endorse", args, lambda args, country, params: _endorse(country, args.by, date))


def _endorse(country: str, authority: str, date) -> int:
    from mpanalysis.workshop.review import record_endorsement

    path = record_endorsement(country, authority, date)
    print(f"Endorsement by {authority.strip()} on {date} recorded in {path}; "
          f"`mpanalysis run {country}` builds the endorsed edition (no DRAFT mark).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mpanalysis",
        description="Tailored user guides (French, English, Portuguese) to each country's migration profile.",
    )
    parser.add_argument("--version", action="version", version=f"mpanalysis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="read and validate a country's questionnaire exports",
                       description="Read a country's exports (ISO3 code, a folder or a file), set aside "
                                   "bad rows, print counts and names to check, and write the validation "
                                   "report to outputs/<ISO3>/validation/ (a country code) or "
                                   "outputs/validation/<name>/ (a file or folder).")
    p.add_argument("targets", nargs="*", metavar="PATH|ISO3")
    p.add_argument("--all", action="store_true", help="every country with a params/<ISO3>.yaml")
    p.add_argument("--lang", help="language of the report (default: the country's first language, else fr)")
    p.add_argument("--output", help="folder for the report (default: outputs/<ISO3>/validation for a "
                                    "country code, outputs/validation/<name>/ for a file or folder)")
    p.add_argument("--wait", action="store_true", help="wait for another command running on the project")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="build the guides of one, several or all countries",
                       description="Execute the chapter notebooks and assemble each country's guides "
                                   "(HTML, PDF, DOCX) in outputs/<ISO3>/guides/. Countries run in "
                                   "parallel; a country whose inputs, parameters, notebooks and package "
                                   "are unchanged is skipped (use --force to rebuild).")
    p.add_argument("targets", nargs="*", metavar="ISO3")
    p.add_argument("--all", action="store_true", help="every country with a params/<ISO3>.yaml")
    p.add_argument("--lang", help="languages, comma-separated (default: the country's parameters)")
    p.add_argument("--edition", help="public, restricted or both comma-separated (default: the parameters)")
    p.add_argument("--length", help="full, brief or both (default: full,brief)")
    p.add_argument("--format", help="html, pdf, docx, comma-separated (default: all three)")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: one per core)")
    p.add_argument("--scheduler", help="dask.distributed scheduler address to run the countries on a cluster")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-region", action="store_true",
                   help="with --all: skip the regional synthesis and the atlas")
    p.add_argument("--with-demo", action="store_true",
                   help="with --all: keep the demo countries once real countries exist (they are left "
                        "out of --all, the synthesis and the atlas by default then)")
    p.add_argument("--wait", action="store_true", help="wait for another command running on the project")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("atlas", help="build the offline atlas (public and restricted sites)",
                       description="Write outputs/site/ (only endorsed or published guides) and "
                                   "outputs/site-restricted/ (every guide) from the built countries.")
    p.add_argument("--audience", choices=["public", "restricted", "both"], default="both")
    p.add_argument("--lang", default="fr", help="language of the home page (every language of the atlas is built)")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.add_argument("--wait", action="store_true", help="wait for another command running on the project")
    p.set_defaults(func=cmd_atlas)

    p = sub.add_parser("translations", help="list the texts still to translate into a language",
                       description="List every text missing in a language: reference lists (label_<lang> "
                                   "columns), the texts of data/reference/*.yaml (guide, messages, report) "
                                   "and of the questionnaire. Adding a language is adding these "
                                   "translations. Exit code 1 while some are missing.")
    p.add_argument("--check", required=True, metavar="LANG", help="two-letter language code, e.g. pt")
    p.set_defaults(func=cmd_translations)

    p = sub.add_parser("template", help="write the offline spreadsheet questionnaire",
                       description="Write the spreadsheet template (same columns as the form, drop-down "
                                   "lists, one sheet per repeat) for institutions answering offline.")
    p.add_argument("--output", default="mp_questionnaire_template.xlsx")
    p.add_argument("--lang", default="fr", help="language of labels and drop-downs (default: fr)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("questionnaire", help="write the XLSForm (KoboToolbox / ODK Central)",
                       description="Write the questionnaire as an XLSForm deployable on KoboToolbox or ODK Central.")
    p.add_argument("--output", help="write only the XLSForm to this file (default: regenerate the "
                                    "XLSForm and the templates in data/questionnaire/)")
    p.set_defaults(func=cmd_questionnaire)

    p = sub.add_parser("demo", help="generate the synthetic demo region",
                       description="Generate the deterministic synthetic demo region into data/raw/<ISO3>/ "
                                   "and params/<ISO3>.yaml.")
    p.add_argument("countries", nargs="*", metavar="ISO3")
    p.add_argument("--check", action="store_true", help="only check that the committed demo data are current")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("workshop", help="national workshop: write the kit, or read the filled worksheets",
                       description="Write outputs/<ISO3>/workshop/ (slides of the preliminary findings, HTML and "
                                   "PDF; the worksheet, XLSX and printable PDF), or with --read check and merge "
                                   "the filled worksheets (one per working group) into params/<ISO3>.workshop.yaml "
                                   "and print what will change in the guide.")
    p.add_argument("iso3", metavar="ISO3")
    p.add_argument("--lang", help="languages of the kit, comma-separated (default: the country's); with --read, "
                                  "the worksheets' language (default: as the worksheets say)")
    p.add_argument("--read", nargs="+", metavar="FILE", help="filled worksheets to read back")
    p.add_argument("--date", help="with --read: the workshop's date, YYYY-MM-DD (default: the parameters')")
    p.add_argument("--place", help="with --read: where the workshop was held (default: the parameters')")
    p.add_argument("--dry-run", action="store_true", help="with --read: check and report, write nothing")
    p.add_argument("--no-pdf", action="store_true", help="write only the HTML slides and the XLSX worksheet")
    p.set_defaults(func=cmd_workshop)

    p = sub.add_parser("review", help="the authority's review: write the review copy, or read the review sheet",
                       description="Write outputs/<ISO3>/review/ (the guide as a numbered DOCX review copy and its "
                                   "review sheet XLSX), or with --read check the filled review sheet and record "
                                   "its decisions in params/<ISO3>.workshop.yaml.")
    p.add_argument("iso3", metavar="ISO3")
    p.add_argument("--lang", help="languages of the review copy, comma-separated (default: the country's first)")
    p.add_argument("--read", metavar="FILE", help="the filled review sheet")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("endorse", help="record the endorsement of the guide",
                       description="Record who endorsed the guide and when in params/<ISO3>.workshop.yaml: the "
                                   "next build has no DRAFT mark and its provenance lists the decisions applied.")
    p.add_argument("iso3", metavar="ISO3")
    p.add_argument("--by", required=True, metavar="AUTHORITY", help="the endorsing authority")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_endorse)

    p = sub.add_parser("init", help="start a new country",
                       description="Create params/<ISO3>.yaml to fill in and an empty input folder data/raw/<ISO3>/.")
    p.add_argument("iso3", metavar="ISO3")
    p.add_argument("--force", action="store_true", help="overwrite an existing parameters file")
    p.set_defaults(func=cmd_init)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except MpanalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
