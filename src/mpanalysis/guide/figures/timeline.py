"""The exercise's timeline: expression of interest → questionnaire → workshop → drafting →
endorsement → publication, from the milestones in each country's parameters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from mpanalysis.params import CountryParams
from mpanalysis.reference import get_labels, load_reference

#: Bar colours by state (done, ongoing, planned): colour-blind-safe (Okabe–Ito).
STATE_COLOURS = {"done": "#0072B2", "ongoing": "#E69F00", "planned": "#BBBBBB"}


def build_milestone_table(params: CountryParams, today: dt.date | None = None) -> pd.DataFrame:
    """Return one row per milestone stage in exercise order: ``stage, order, start, end, state``.

    ``state`` is ``done`` (flagged done and ended or without end), ``ongoing`` (started, not
    ended) or ``planned`` (start in the future or flagged not done). Stages without a milestone
    are left out.

    >>> p = CountryParams(country="SEN", milestones=[
    ...     {"stage": "questionnaire", "start": "2025-02-01", "end": "2025-03-15"},
    ...     {"stage": "workshop", "start": "2025-05-12", "done": False}])
    >>> build_milestone_table(p, dt.date(2025, 4, 1))[["stage", "state"]].values.tolist()
    [['questionnaire', 'done'], ['workshop', 'planned']]
    """
    today = today or dt.date.today()
    order = dict(zip(load_reference("milestones")["code"], load_reference("milestones")["order"]))
    rows = []
    for milestone in params.milestones:
        if not milestone.done or milestone.start > today:
            state = "planned"
        elif milestone.end is not None and milestone.end > today:
            state = "ongoing"
        else:
            state = "done"
        rows.append({"stage": milestone.stage, "order": order.get(milestone.stage, 99),
                     "start": milestone.start, "end": milestone.end, "state": state})
    frame = pd.DataFrame(rows, columns=["stage", "order", "start", "end", "state"])
    return frame.sort_values(["order", "start"], kind="stable").reset_index(drop=True)


def plot_exercise_timeline(milestones: pd.DataFrame, lang: str = "fr", *,
                           row_labels: pd.Series | None = None, title: str | None = None) -> go.Figure:
    """Return a Gantt chart of milestones (one bar per row; a one-day bar when there is no end).

    ``milestones`` has ``stage, start, end, state`` and, for a regional chart, ``country``: the
    rows are then labelled "country — stage" unless ``row_labels`` is given.

    >>> p = CountryParams(country="SEN", milestones=[{"stage": "workshop", "start": "2025-05-12"}])
    >>> fig = plot_exercise_timeline(build_milestone_table(p, dt.date(2026, 1, 1)), "en")
    >>> fig.data[0].y[0]
    'National workshop'
    """
    stage_labels = get_labels("milestones", lang)
    frame = milestones.copy()
    if row_labels is None:
        labels = frame["stage"].map(stage_labels)
        if "country" in frame.columns:
            labels = frame["country"].astype(str) + " — " + labels
    else:
        labels = row_labels
    start = pd.to_datetime(frame["start"])
    end = pd.to_datetime(frame["end"]).fillna(start + pd.Timedelta(days=1))
    end = end.where(end > start, start + pd.Timedelta(days=1))
    duration_ms = (end - start).dt.total_seconds() * 1000
    fig = go.Figure()
    for state, colour in STATE_COLOURS.items():
        mask = (frame["state"] == state).to_numpy()
        if not mask.any():
            continue
        fig.add_trace(go.Bar(
            y=list(labels[mask]), x=list(duration_ms[mask]), base=[d.isoformat() for d in start[mask]],
            orientation="h", marker_color=colour, name=_state_label(state, lang),
            text=[d.strftime("%Y-%m-%d") for d in start[mask]], textposition="outside",
            hovertemplate="%{y}: %{base|%Y-%m-%d}<extra></extra>"))
    fig.update_layout(
        barmode="overlay", xaxis_type="date", height=max(220, 40 + 32 * len(frame)),
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": list(labels)},
        margin={"l": 10, "r": 30, "t": 40 if title else 10, "b": 30},
        legend={"orientation": "h", "y": -0.15}, template="plotly_white", font={"size": 13},
        title=title)
    return fig


def _state_label(state: str, lang: str) -> str:
    from mpanalysis.guide.texts import get_chapter_text

    return get_chapter_text(f"annexes.timeline.{state}", lang)
