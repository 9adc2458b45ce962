"""The exercise's timeline: expression of interest → questionnaire → workshop → drafting →
endorsement → publication, from the milestones in each country's parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from mpanalysis.params import CountryParams
from mpanalysis.reference import get_labels, load_reference
from mpanalysis.wording.rules import babel_locale

#: Bar colours by state (done, ongoing, planned): colour-blind-safe (Okabe–Ito).
STATE_COLOURS = {"done": "#0072B2", "ongoing": "#E69F00", "planned": "#BBBBBB"}
#: A stage lasting this many days or fewer is drawn as a diamond, not as a bar.
POINT_STAGE_DAYS = 7


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
                           row_labels: pd.Series | None = None, title: str | None = None,
                           is_dated: bool = True,
                           extra_states: Mapping[str, tuple[str, str]] | None = None) -> go.Figure:
    """Return a Gantt chart of milestones: one bar per row, and a diamond for a stage of
    ``POINT_STAGE_DAYS`` days or less (a one-day bar would be a hairline nobody sees).

    ``milestones`` has ``stage, start, end, state`` and, for a regional chart, ``country``: the
    rows are then labelled "country — stage" unless ``row_labels`` is given. With ``is_dated``
    each start date is written beside its bar or diamond, the language's way; the axis names
    the months in the language too. ``extra_states`` maps a state of the caller's own (the
    regional synthesis' ``overdue``) to its colour and legend label, drawn after the three known.

    >>> p = CountryParams(country="SEN", milestones=[{"stage": "workshop", "start": "2025-05-12"},
    ...     {"stage": "questionnaire", "start": "2025-02-01", "end": "2025-03-15"}])
    >>> fig = plot_exercise_timeline(build_milestone_table(p, dt.date(2026, 1, 1)), "fr")
    >>> fig.data[0].y[1], [t.text for t in fig.data if t.type == "scatter"][0]
    ('Atelier national', ('12 mai 2025',))
    >>> fig.layout.xaxis.ticktext[:2]
    ('févr. 2025', 'mars 2025')
    """
    from babel.dates import format_date

    stage_labels = get_labels("milestones", lang)
    frame = milestones.copy()
    if row_labels is None:
        labels = frame["stage"].map(stage_labels)
        if "country" in frame.columns:
            labels = frame["country"].astype(str) + " — " + labels
    else:
        labels = row_labels
    labels = pd.Series(list(labels), dtype=object)
    start = pd.to_datetime(frame["start"]).reset_index(drop=True)
    given_end = pd.to_datetime(frame["end"]).reset_index(drop=True)
    is_point = (given_end.isna() | (given_end - start <= pd.Timedelta(days=POINT_STAGE_DAYS))).to_numpy()
    end = given_end.fillna(start + pd.Timedelta(days=1))
    end = end.where(end > start, start + pd.Timedelta(days=1))
    duration_ms = (end - start).dt.total_seconds() * 1000
    states = frame["state"].reset_index(drop=True)
    dates = [format_date(d.date(), "d MMM y", locale=babel_locale(lang)) for d in start]
    fig = go.Figure()
    legend = {state: (colour, _state_label(state, lang)) for state, colour in STATE_COLOURS.items()}
    legend.update(extra_states or {})
    for state, (colour, name) in legend.items():
        mask = (states == state).to_numpy()
        if not mask.any():
            continue
        fig.add_trace(go.Bar(
            y=list(labels[mask]), x=list(duration_ms[mask]), base=[d.isoformat() for d in start[mask]],
            orientation="h", marker_color=colour, name=name, legendgroup=state, showlegend=True,
            text=[date if is_dated and not point else "" for date, point in zip(
                [dates[i] for i in range(len(dates)) if mask[i]], is_point[mask])],
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y}: %{base|%Y-%m-%d}<extra></extra>"))
        points = mask & is_point
        if points.any():
            fig.add_trace(go.Scatter(
                x=[d.date().isoformat() for d in start[points]], y=list(labels[points]),
                mode="markers+text" if is_dated else "markers", legendgroup=state, showlegend=False,
                marker={"symbol": "diamond", "size": 12, "color": colour, "line": {"color": "#FFFFFF", "width": 1}},
                text=[dates[i] for i in range(len(dates)) if points[i]] if is_dated else None,
                textposition="middle right", cliponaxis=False,
                hovertemplate="%{y}: %{x|%Y-%m-%d}<extra></extra>"))
    first, last = start.min(), max(start.max(), end.max())
    span = max(pd.Timedelta(days=30), last - first)
    # room on the right for the last date written beside its bar
    left_pad, right_pad = span * 0.04, span * (0.22 if is_dated else 0.04)
    tick_values, tick_texts = _month_ticks(first - left_pad, last + right_pad, lang)
    fig.update_layout(
        barmode="overlay", height=max(220, 90 + 32 * len(frame)),
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": list(labels)},
        margin={"l": 10, "r": 20, "t": 40 if title else 10, "b": 30},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0},
        template="plotly_white", font={"size": 13}, title=title)
    fig.update_xaxes(type="date", range=[(first - left_pad).isoformat(), (last + right_pad).isoformat()],
                     tickvals=tick_values, ticktext=tick_texts, showgrid=True)
    return fig


def _month_ticks(first: pd.Timestamp, last: pd.Timestamp, lang: str) -> tuple[list[str], list[str]]:
    """Ticks on the first day of every month, every second, third… so that there are at most
    eight, named the language's way ("févr. 2025", "Feb 2025").

    >>> _month_ticks(pd.Timestamp("2024-12-20"), pd.Timestamp("2025-03-02"), "en")
    (['2025-01-01', '2025-02-01', '2025-03-01'], ['Jan 2025', 'Feb 2025', 'Mar 2025'])
    """
    from babel.dates import format_date

    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    months = months[months >= first]
    step = next((s for s in (1, 2, 3, 6, 12, 24) if len(months) / s <= 8), 24)
    chosen = [m for i, m in enumerate(months) if i % step == 0]
    return ([m.date().isoformat() for m in chosen],
            [format_date(m.date(), "MMM y", locale=babel_locale(lang)) for m in chosen])


def _state_label(state: str, lang: str) -> str:
    from mpanalysis.guide.texts import get_chapter_text

    return get_chapter_text(f"annexes.timeline.{state}", lang)
