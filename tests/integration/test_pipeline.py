"""The region in one command: failures stay local, reruns skip, interrupted builds recover, dask
gives the same guides. Builds are HTML-only, one language, full length, to stay fast."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from mpanalysis.batch.job import BuildOptions, build_country
from mpanalysis.batch.run import order_longest_first, run_countries

FAST = BuildOptions(langs=("fr",), lengths=("full",), formats=("html",), today="2026-01-15")


def guide_path(root: Path, country: str) -> Path:
    return root / "outputs" / country / "guides" / f"{country}_guide_fr_public_full.html"


def is_complete_html(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return text.rstrip().endswith("</html>") and "Plotly.newPlot" in text


def test_a_failing_country_is_reported_and_the_others_complete(project_factory):
    root = project_factory(["NER", "GMB"])
    params = root / "params" / "GMB.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\nworshop_typo: true\n", encoding="utf-8")

    results = run_countries(["NER", "GMB"], FAST, workers=2, show_progress=False)

    by_country = {r.country: r for r in results}
    assert by_country["NER"].status == "built"
    assert by_country["GMB"].status == "failed"
    assert "worshop_typo" in by_country["GMB"].message and "GMB.yaml" in by_country["GMB"].message
    assert is_complete_html(guide_path(root, "NER"))
    assert not guide_path(root, "GMB").exists()
    # the analysis trail: the four executed chapter notebooks beside the guides, code hidden, offline
    trail = root / "outputs" / "NER" / "guides" / "analysis"
    pages = sorted(p.name for p in trail.glob("*.html"))
    assert pages == ["01_sources_fr.html", "02_policy_cycle_fr.html", "03_mp_process_fr.html",
                     "04_recommendations_fr.html"]
    network_page = (trail / "02_policy_cycle_fr.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in network_page and "Explorer" in network_page
    assert "build_policy_cycle_chapter" not in network_page  # the code is hidden
    assert re.findall(r'<script[^>]+src="([^"]+)"', network_page) == ["plotly.min.js"]
    assert (trail / "plotly.min.js").stat().st_size > 1_000_000
    # the trail shares that one copy: the executed notebooks do not each carry 4.6 MB of plotly.js
    executed = sorted((root / "outputs" / "NER" / "work" / "fr" / "executed").glob("*.ipynb"))
    assert len(executed) == 4 and all(p.stat().st_size < 1_000_000 for p in executed)
    # the recommendations as open data: a dozen at most, each with who leads, by when, how to know
    import csv

    with open(root / "outputs" / "NER" / "data" / "recommendations.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert 1 <= len(rows) <= 12
    assert list(rows[0])[:8] == ["id", "number", "category", "priority", "lead_institution", "partners",
                                  "timeframe", "indicator"]
    assert all(r["lead_institution"] and r["timeframe"] in {"short", "medium", "long"} and r["indicator"]
               for r in rows)

    # unchanged rerun: nothing rebuilt, and it says so
    start = time.perf_counter()
    again = build_country("NER", FAST)
    assert again.status == "skipped" and "up to date" in again.message
    assert time.perf_counter() - start < 30  # generous: the point is that no notebook ran
    log = (root / "outputs" / "NER" / "logs" / "run.log").read_text(encoding="utf-8")
    assert log.rstrip().endswith("skipped: up to date")


def test_a_notebook_error_names_notebook_and_cell_in_a_kernel_shared_with_another_country(project_factory):
    root = project_factory(["NER", "GMB"])
    first, second = order_longest_first(["NER", "GMB"])
    notebook = root / "notebooks" / "02_policy_cycle.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "planted", "metadata": {},
                        "outputs": [], "source": [f"if country == {second!r}:\n",
                                                  "    raise RuntimeError('planted failure')\n"]})
    notebook.write_text(json.dumps(nb), encoding="utf-8")

    results = {r.country: r for r in run_countries(["NER", "GMB"], FAST, workers=1, show_progress=False)}

    assert results[first].status == "built" and is_complete_html(guide_path(root, first))
    failed = results[second]
    assert failed.status == "failed"
    assert (failed.notebook, failed.cell) == ("02_policy_cycle.ipynb", len(nb["cells"]))
    assert "planted failure" in failed.message
    executed = root / "outputs" / second / "work" / "fr" / "executed" / "02_policy_cycle.ipynb"
    assert executed.is_file()  # the partial executed notebook is kept for inspection
    # the second country ran in the kernel the first one left (imports paid once per worker)
    log = (root / "outputs" / second / "logs" / "run.log").read_text(encoding="utf-8")
    assert "worker's kernel (kept from the previous country)" in log


def test_an_interrupted_batch_then_a_rerun_leaves_every_guide_complete(project_factory):
    root = project_factory(["NER", "GMB"])
    env = dict(os.environ, MPANALYSIS_ROOT=str(root))
    command = [sys.executable, "-m", "mpanalysis.cli", "run", "NER", "GMB", "--lang", "fr",
               "--length", "full", "--format", "html", "--quiet", "--workers", "2"]
    process = subprocess.Popen(command, env=env, cwd=root, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # kill the whole batch once the first notebook outputs appear: mid-build
    deadline = time.time() + 300
    while time.time() < deadline and not list((root / "outputs").glob("*/work/fr/chapters/*.json")):
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for country in ("NER", "GMB"):
        assert not (root / "outputs" / country / "build.json").exists()
        assert not guide_path(root, country).exists() or is_complete_html(guide_path(root, country))

    rerun = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    for country in ("NER", "GMB"):
        assert is_complete_html(guide_path(root, country))
        assert not list((root / "outputs" / country).rglob("*.tmp"))


def _normalise(html: str) -> str:
    # the build time and the figures' random div ids are the only legitimate differences
    html = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+\-0-9:Z]*", "TIME", html)
    return html


def test_dask_cluster_builds_the_same_guides_as_local(project_factory):
    from dask.distributed import LocalCluster

    root_local = project_factory(["NER"], name="local")
    local = run_countries(["NER"], FAST, workers=1, show_progress=False)
    assert local[0].status == "built"
    html_local = _normalise(guide_path(root_local, "NER").read_text(encoding="utf-8"))

    root_dask = project_factory(["NER"], name="dask")
    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", processes=True,
                      dashboard_address=None) as cluster:
        remote = run_countries(["NER"], FAST, scheduler=cluster.scheduler_address, show_progress=False)
    assert remote[0].status == "built", remote[0].message
    html_dask = _normalise(guide_path(root_dask, "NER").read_text(encoding="utf-8"))
    assert html_dask == html_local
