"""Helpers for the course's pages that must work both in the book build and anywhere else.

The site is built with Jupyter Book, whose ``myst_nb.glue`` stores a value under a name so that the
page's text can show it (``{glue:text}`name```). ``myst_nb`` exists only where the book is
built; on Colab or in a plain Jupyter the same notebook must still run. :func:`glue` therefore
calls ``myst_nb.glue`` when it is installed and otherwise just keeps the value (and shows it when
asked to), so every page can say ``from qgan_helpers.course.page import glue``.

Examples
--------
>>> glue("answer", 42, display=False)
>>> glued("answer")
42
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["glue", "glued", "Table", "table"]

_VALUES: dict[str, Any] = {}


def glue(name: str, value: Any, display: bool = True) -> None:
    """Store ``value`` under ``name`` for the page's text (``myst_nb.glue`` in the book build).

    Parameters
    ----------
    name : str
        The key the text refers to, e.g. ``"train-zero-mmd"``.
    value : object
        A number, a string, a figure, a ``Markdown`` object, ... NumPy scalars are stored as the
        Python number they hold, so that the text's format specs (``{glue:text}`name:.2f```) apply.
    display : bool
        Also show the value in the cell's output.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    if isinstance(value, np.generic):  # np.float64(0.5) shows as "np.float64(0.5)", which {glue:text}`x:.2f` cannot format
        value = value.item()
    _VALUES[name] = value
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # outside the book build: keep the value, show it if asked
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)


def glued(name: str) -> Any:
    """The value last stored under ``name`` by :func:`glue` in this process."""
    if name not in _VALUES:
        raise KeyError(f"name: nothing was glued under {name!r}; glued names are {sorted(_VALUES)}")
    return _VALUES[name]


class Table:
    """A small table that shows as an HTML table on a page and as aligned text with ``print``.

    Build it with :func:`table`.
    """

    def __init__(self, header: list[Any], rows: list[list[Any]], title: str | None = None) -> None:
        self.header = [str(h) for h in header]
        self.rows = [[str(c) for c in row] for row in rows]
        self.title = title
        if any(len(row) != len(self.header) for row in self.rows):
            raise ValueError(f"rows: expected {len(self.header)} cells per row, like the header")

    def __str__(self) -> str:
        widths = [max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        lines = [self.title] if self.title else []
        for r in [self.header, *self.rows]:
            lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in self.rows)
        caption = f"<caption>{esc(self.title)}</caption>" if self.title else ""
        return f'<table class="table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def table(rows: dict[str, dict[str, Any]], fmt: str = "{:.4f}", first: str = "", title: str | None = None) -> Table:
    """A :class:`Table` from ``{row name: {column: value}}`` (every row with the same columns).

    Parameters
    ----------
    rows : dict of str to dict
    fmt : str
        Format of numbers (strings are shown as they are).
    first : str
        Header of the first column (the row names).
    title : str, optional

    Examples
    --------
    >>> print(table({"a": {"x": 1.0, "y": 2.5}, "b": {"x": 0.25, "y": 3.0}}, fmt="{:.2f}"))
          x     y
    a  1.00  2.50
    b  0.25  3.00
    """
    if not isinstance(rows, dict) or not rows:
        raise ValueError("rows: expected a non-empty dict {row name: {column: value}}")
    columns = list(next(iter(rows.values())))
    for name, row in rows.items():
        if list(row) != columns:
            raise ValueError(f"rows: row {name!r} has columns {list(row)}, expected {columns}")
    show = lambda v: v if isinstance(v, str) else fmt.format(v)  # noqa: E731
    body = [[str(name)] + [show(v) for v in row.values()] for name, row in rows.items()]
    return Table([first] + [str(c) for c in columns], body, title)
