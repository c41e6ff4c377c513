"""Plain JSON values for what a run records: settings, configs and provenance.

A checkpoint's ``.pt`` file must load with ``torch.load(..., weights_only=True)`` and its ``.json``
file must be readable by anyone, so everything a run records -- :attr:`History.settings`, a
checkpoint's config, the provenance -- is first turned into plain dicts, lists, strings and numbers
(:func:`to_plain`) and written with short lists on one line (:func:`json_text`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["to_plain", "json_text"]


def to_plain(obj: Any) -> Any:
    """Recursively turn settings into JSON-able plain values."""
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if callable(obj):
        return getattr(obj, "__qualname__", type(obj).__name__)
    return repr(obj)


def json_text(obj: Any) -> str:
    """Indented JSON with lists of plain values kept on one line (readable metric curves)."""

    def dump(o: Any, pad: str) -> str:
        if isinstance(o, dict) and o:
            inner = pad + "  "
            items = [f"{inner}{json.dumps(str(k))}: {dump(v, inner)}" for k, v in o.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(o, list) and any(isinstance(v, (dict, list)) for v in o):
            inner = pad + "  "
            return "[\n" + ",\n".join(inner + dump(v, inner) for v in o) + "\n" + pad + "]"
        return json.dumps(o)

    return dump(obj, "") + "\n"
