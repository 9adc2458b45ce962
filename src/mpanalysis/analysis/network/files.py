"""The network as files (GraphML, GEXF, CSV) for Gephi, spreadsheets and the atlas."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

import networkx as nx
import numpy as np

from mpanalysis.analysis.network.summary import build_edge_table, build_node_table
from mpanalysis.errors import InputLayoutError
from mpanalysis.fileio import open_atomic_path, write_csv_safe

if TYPE_CHECKING:
    import pandas as pd

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> str:
    """Escape for XML text and attributes; drop control characters XML 1.0 cannot hold."""
    return xml_escape(_XML_INVALID.sub("", str(value)),
                      {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def _kind_of(value: object) -> type:
    # numpy scalars count as the Python type they stand for (np.bool_ is not a bool subclass)
    if isinstance(value, (bool, np.bool_)):
        return bool
    if isinstance(value, (int, np.integer)):
        return int
    if isinstance(value, (float, np.floating)):
        return float
    return str


def _attribute_types(items: Iterable[dict]) -> dict[str, type]:
    """Return ``{attribute: bool | int | float | str}``, str when values of a key disagree."""
    types: dict[str, type] = {}
    for data in items:
        for key, value in data.items():
            if value is None:
                continue
            kind = _kind_of(value)
            if key not in types:
                types[key] = kind
            elif types[key] is not kind:
                types[key] = float if {types[key], kind} == {int, float} else str
    return types


def _xml_value(value: object, kind: type) -> str:
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(int(value))
    if kind is float:
        return repr(float(value))
    return _xml_text(value)


_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_GEXF_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _write_graphml(G: nx.DiGraph, path: str) -> None:
    # Streamed by hand: networkx's writer builds the whole XML tree (slow on 100,000 edges).
    scopes = {"graph": _attribute_types([G.graph]),
              "node": _attribute_types(d for _, d in G.nodes(data=True)),
              "edge": _attribute_types(d for *_, d in G.edges(data=True))}
    key_id = {}
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='utf-8'?>\n"
                  '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                  'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                  'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for scope, types in scopes.items():
            for key, kind in types.items():
                key_id[scope, key] = f"d{len(key_id)}"
                out.write(f'<key id="{key_id[scope, key]}" for="{scope}" attr.name="{_xml_text(key)}" '
                          f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')

        def data(scope: str, values: dict) -> str:
            types = scopes[scope]
            return "".join(f'<data key="{key_id[scope, k]}">{_xml_value(v, types[k])}</data>'
                           for k, v in values.items() if v is not None and k in types)

        out.write('<graph edgedefault="directed">' + data("graph", G.graph) + "\n")
        for v, d in G.nodes(data=True):
            out.write(f'<node id="{_xml_text(v)}">{data("node", d)}</node>\n')
        for u, v, d in G.edges(data=True):
            out.write(f'<edge source="{_xml_text(u)}" target="{_xml_text(v)}">{data("edge", d)}</edge>\n')
        out.write("</graph>\n</graphml>\n")


def _write_gexf(G: nx.DiGraph, path: str) -> None:
    node_types = _attribute_types(d for _, d in G.nodes(data=True))
    edge_types = _attribute_types(d for *_, d in G.edges(data=True))

    def values(types: dict[str, type], d: dict) -> str:
        cells = "".join(f'<attvalue for="{_xml_text(k)}" value="{_xml_value(v, types[k])}"/>'
                        for k, v in d.items() if v is not None and k in types)
        return f"<attvalues>{cells}</attvalues>" if cells else ""

    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='utf-8'?>\n"
                  '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
                  '<meta><creator>mpanalysis</creator>'
                  f'<description>{_xml_text(G.graph.get("country", ""))}</description></meta>\n'
                  '<graph defaultedgetype="directed" mode="static">\n')
        for scope, types in (("node", node_types), ("edge", edge_types)):
            out.write(f'<attributes class="{scope}" mode="static">')
            out.write("".join(f'<attribute id="{_xml_text(k)}" title="{_xml_text(k)}" '
                              f'type="{_GEXF_TYPES[t]}"/>' for k, t in types.items()))
            out.write("</attributes>\n")
        out.write("<nodes>\n")
        for v, d in G.nodes(data=True):
            # Gephi shows the label: the entity's name rather than its id.
            label = _xml_text(d.get("name") or v)
            out.write(f'<node id="{_xml_text(v)}" label="{label}">{values(node_types, d)}</node>\n')
        out.write("</nodes>\n<edges>\n")
        for i, (u, v, d) in enumerate(G.edges(data=True)):
            out.write(f'<edge id="{i}" source="{_xml_text(u)}" target="{_xml_text(v)}">'
                      f"{values(edge_types, d)}</edge>\n")
        out.write("</edges>\n</graph>\n</gexf>\n")


def write_network(G: nx.DiGraph, folder: str | Path, measures: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write ``network.graphml``, ``network.gexf``, ``nodes.csv`` and ``edges.csv`` into ``folder``.

    ``measures`` (``NetworkSummary.nodes``: degrees, betweenness, brokerage roles, community,
    cut-vertex flag, indexed by entity id) adds its columns to ``nodes.csv``.

    Each file is written to a temporary file then moved into place, so a crash never leaves a
    half-written file, and the same graph always gives the same bytes. CSV files are UTF-8 with a
    byte-order mark (Excel then reads accents correctly) and text that would run as a formula is
    prefixed with ``'``. In the GEXF file nodes are labelled with their names so Gephi shows
    them. Control characters that XML cannot hold are dropped from the XML files.

    Returns ``{"graphml" | "gexf" | "nodes" | "edges": path}``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in write_network(nx.DiGraph([("A", "B")]), d).values())
    ['edges.csv', 'network.gexf', 'network.graphml', 'nodes.csv']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"graphml": folder / "network.graphml", "gexf": folder / "network.gexf",
             "nodes": folder / "nodes.csv", "edges": folder / "edges.csv"}
    with open_atomic_path(paths["graphml"]) as tmp:
        _write_graphml(G, tmp)
    with open_atomic_path(paths["gexf"]) as tmp:
        _write_gexf(G, tmp)
    nodes = build_node_table(G)
    if measures is not None:
        extra = measures.drop(columns=[c for c in measures.columns if c in nodes.columns])
        nodes = nodes.join(extra, on="entity_id")
    write_csv_safe(nodes, paths["nodes"])
    write_csv_safe(build_edge_table(G), paths["edges"])
    return paths


def read_network_graphml(path: str | Path) -> nx.DiGraph:
    """Reload a network written by :func:`write_network` (node ids stay text).

    >>> import tempfile
    >>> G = nx.DiGraph([("A", "B", {"confirmed": True, "n_reports": 2})], country="SEN")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     H = read_network_graphml(write_network(G, d)["graphml"])
    >>> H.graph["country"], H.edges["A", "B"]["confirmed"], H.edges["A", "B"]["n_reports"]
    ('SEN', True, 2)
    """
    path = Path(path)
    if not path.is_file():
        raise InputLayoutError("network file not found", file=path)
    try:
        H = nx.read_graphml(path, node_type=str)
    except Exception as exc:  # malformed XML or not GraphML: a user-facing message, not a traceback
        raise InputLayoutError(f"not a readable GraphML network ({exc})", file=path) from None
    G = H if isinstance(H, nx.DiGraph) and not H.is_multigraph() else nx.DiGraph(H)
    for key in ("node_default", "edge_default"):  # added by networkx's reader, not ours
        G.graph.pop(key, None)
    return G
