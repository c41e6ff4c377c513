"""Plots the chapters share: image grids, loss curves and circuit drawings.

* :func:`show_images` -- a grid of grey-scale images (torch or NumPy; ``(N, H, W)``, ``(N, 1, H, W)``
  or flattened ``(N, H*W)``) through :func:`torchvision.utils.make_grid`.
* :func:`plot_losses` -- training curves from a history (dict of lists, or list of per-step dicts),
  with optional moving-average smoothing (:func:`moving_average`).
* :func:`draw_circuit` -- :func:`pennylane.draw_mpl` with the course's style.

Every function draws into a given matplotlib ``ax`` or makes its own figure, and returns what it drew
on. None of them calls ``plt.show()``: the notebook does that once per figure cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from qgan_helpers import validation

__all__ = [
    "COURSE_STYLE",
    "use_course_style",
    "as_image_batch",
    "show_images",
    "moving_average",
    "history_series",
    "plot_losses",
    "draw_circuit",
]

COURSE_STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 3.2),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.constrained_layout.use": True,
}
"""The course's figure style: figures at most 7 inches (700 pixels) wide, so that the site shows
them at about their drawn size and every label stays at 10-11 pt."""


def use_course_style() -> None:
    """Apply :data:`COURSE_STYLE` to matplotlib (call once at the top of a page).

    Examples
    --------
    >>> use_course_style()
    >>> plt.rcParams["font.size"]
    11.0
    """
    plt.rcParams.update(COURSE_STYLE)


# ----------------------------------------------------------------------------------------------
# image grids
# ----------------------------------------------------------------------------------------------
def as_image_batch(images: Any, image_shape: tuple[int, int] | None = None) -> torch.Tensor:
    """Turn images in any of the course's layouts into a float tensor of shape ``(N, 1, H, W)``.

    Parameters
    ----------
    images : torch.Tensor or numpy.ndarray (or nested lists)
        Shape ``(N, H, W)``, ``(N, 1, H, W)`` or flattened ``(N, H*W)``.
    image_shape : (int, int), optional
        ``(H, W)`` of flattened images. If omitted for flattened input, square images are assumed
        (``H*W`` must then be a perfect square). For unflattened input it is checked if given.

    Returns
    -------
    torch.Tensor, shape (N, 1, H, W), float32, on the CPU and detached from autograd.

    Raises
    ------
    TypeError
        If ``images`` is not numeric array-like.
    ValueError
        For an unsupported shape, an empty batch, a mismatching ``image_shape`` or NaN/inf values.

    Examples
    --------
    >>> tuple(as_image_batch(np.zeros((5, 64))).shape)
    (5, 1, 8, 8)
    >>> tuple(as_image_batch(torch.zeros(3, 28, 28)).shape)
    (3, 1, 28, 28)
    """
    if isinstance(images, torch.Tensor):
        x = images.detach().to("cpu", torch.float32)
    else:
        try:
            arr = np.asarray(images, dtype=np.float32)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                f"images: expected a torch tensor or NumPy array of numbers, got {type(images).__name__}"
            ) from None
        x = torch.from_numpy(arr)
    shape = tuple(x.shape)
    if image_shape is not None:
        if (
            not isinstance(image_shape, (tuple, list))
            or len(image_shape) != 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in image_shape)
        ):
            raise ValueError(f"image_shape: expected a pair (H, W) of positive ints, got {image_shape!r}")
        image_shape = (int(image_shape[0]), int(image_shape[1]))
    if x.ndim == 4:
        if shape[1] != 1:
            raise ValueError(f"images: expected 4-D images of shape (N, 1, H, W) (one grey channel), got {shape}")
    elif x.ndim == 3:
        x = x.unsqueeze(1)
    elif x.ndim == 2:
        pixels = shape[1]
        if image_shape is None:
            side = math.isqrt(pixels)
            if side * side != pixels:
                raise ValueError(
                    f"image_shape: required for flattened images of {pixels} pixels (not a square number), "
                    f"got None for images of shape {shape}"
                )
            image_shape = (side, side)
        elif image_shape[0] * image_shape[1] != pixels:
            raise ValueError(
                f"image_shape: expected H*W = {pixels} to unflatten images of shape {shape}, got {image_shape}"
            )
        x = x.reshape(shape[0], 1, *image_shape)
    else:
        raise ValueError(f"images: expected shape (N, H, W), (N, 1, H, W) or flattened (N, H*W), got {shape}")
    if x.shape[0] == 0 or x.numel() == 0:
        raise ValueError(f"images: expected at least one non-empty image, got an empty array of shape {shape}")
    if image_shape is not None and tuple(x.shape[-2:]) != image_shape:
        raise ValueError(f"image_shape: expected {tuple(x.shape[-2:])} for images of shape {shape}, got {image_shape}")
    if not torch.isfinite(x).all():
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"images: expected finite values, got {bad} NaN/inf pixel(s)")
    return x


def show_images(
    images: Any,
    nrow: int = 8,
    ax: Axes | None = None,
    title: str | None = None,
    vmin: float = 0,
    vmax: float = 1,
    *,
    image_shape: tuple[int, int] | None = None,
    padding: int = 1,
    pad_value: float | None = None,
) -> Axes:
    """Show a batch of grey-scale images as one grid.

    Parameters
    ----------
    images : torch.Tensor or numpy.ndarray
        Shape ``(N, H, W)``, ``(N, 1, H, W)`` or flattened ``(N, H*W)`` (see :func:`as_image_batch`).
    nrow : int
        Images per row of the grid.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
    vmin, vmax : float
        Grey levels shown as black and white (values outside are clipped in the display).
    image_shape : (int, int), optional
        ``(H, W)`` of flattened images (default: square).
    padding : int
        Pixels between images.
    pad_value : float, optional
        Grey level of the padding; default: halfway between ``vmin`` and ``vmax``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, holding one image of shape ``(rows*(H+padding)+padding, cols*(W+padding)+padding)``
        where ``cols = min(nrow, N)`` and ``rows = ceil(N / cols)``; no ticks, grey colormap.

    Examples
    --------
    >>> ax = show_images(np.random.default_rng(0).random((10, 8, 8)), nrow=5, title="noise")
    >>> ax.images[0].get_array().shape
    (19, 46)
    """
    from torchvision.utils import make_grid

    nrow = validation.positive_int("nrow", nrow)
    padding = validation.non_negative_int("padding", padding)
    if not (np.isfinite(vmin) and np.isfinite(vmax) and vmin < vmax):
        raise ValueError(f"vmin: expected finite vmin < vmax, got vmin={vmin!r}, vmax={vmax!r}")
    x = as_image_batch(images, image_shape)
    if pad_value is None:
        pad_value = 0.5 * (vmin + vmax)
    grid = make_grid(x, nrow=nrow, padding=int(padding), pad_value=float(pad_value))[0].numpy()
    if ax is None:
        height, width = grid.shape
        fig_w = min(10.0, max(2.5, 0.6 * min(nrow, x.shape[0])))
        _, ax = plt.subplots(figsize=(fig_w, fig_w * height / width + (0.4 if title else 0.0)))
    ax.imshow(grid, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax


# ----------------------------------------------------------------------------------------------
# loss curves
# ----------------------------------------------------------------------------------------------
def moving_average(values: Any, window: int) -> np.ndarray:
    """Trailing moving average: ``out[i] = mean(values[max(0, i-window+1) : i+1])``.

    The output has the same length as the input, so a smoothed curve lines up with the raw one (the
    first ``window-1`` points average over fewer values).

    Examples
    --------
    >>> moving_average([1.0, 2.0, 3.0, 4.0], 2).tolist()
    [1.0, 1.5, 2.5, 3.5]
    """
    window = validation.positive_int("window", window)
    y = np.asarray(values, dtype=float).ravel()
    c = np.concatenate([[0.0], np.cumsum(y)])
    idx = np.arange(1, len(y) + 1)
    start = np.maximum(idx - window, 0)
    return (c[idx] - c[start]) / (idx - start)


def _to_float(value: Any) -> float:
    if isinstance(value, torch.Tensor):
        return float(value.detach().cpu())
    return float(value)


def _series(values: Any) -> np.ndarray | None:
    """A 1-D float array from a list/array/tensor of numbers, or None if ``values`` is not one."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (Sequence, np.ndarray)):
        return None
    try:
        y = np.array([_to_float(v) for v in values], dtype=float)
    except (TypeError, ValueError, RuntimeError):
        return None
    return y


def history_series(history: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Normalise a training history to ``{key: (steps, values)}`` of 1-D float arrays.

    Parameters
    ----------
    history : mapping or sequence of mappings
        Either ``{"loss_d": [...], "loss_g": [...]}`` (step ``i`` is position ``i``) or per-step records
        ``[{"loss_d": .., "loss_g": ..}, ...]`` (a key that is logged only in some records is placed at
        the positions of those records). Values may be Python/NumPy numbers or 0-d torch tensors.
        An object with a ``to_dict()`` or ``as_dict()`` method is converted with it first.
        Entries that are not numeric series (e.g. a config string) are left out.

    Examples
    --------
    >>> s = history_series([{"loss": 1.0}, {"loss": 0.5, "mmd": 0.2}])
    >>> s["loss"][1].tolist(), s["mmd"][0].tolist()
    ([1.0, 0.5], [1.0])
    """
    return _history_series(history)[0]


def _history_series(history: Any) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]]:
    """:func:`history_series` plus the keys that were left out because they hold no numbers."""
    skipped: list[str] = []
    for method in ("to_dict", "as_dict"):
        if not isinstance(history, Mapping) and callable(getattr(history, method, None)):
            history = getattr(history, method)()
            break
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if isinstance(history, Mapping):
        for key, values in history.items():
            y = _series(values)
            if y is not None:
                out[str(key)] = (np.arange(len(y), dtype=float), y)
            else:
                skipped.append(str(key))
    elif isinstance(history, (Sequence, np.ndarray)) and not isinstance(history, (str, bytes)):
        records = list(history)
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise TypeError(
                    f"history: expected a dict of lists or a list of dicts, got a list whose item {i} is "
                    f"{type(record).__name__}"
                )
        columns: dict[str, tuple[list[float], list[float]]] = {}
        for i, record in enumerate(records):
            for key, value in record.items():
                try:
                    v = _to_float(value)
                except (TypeError, ValueError, RuntimeError):
                    if str(key) not in skipped:
                        skipped.append(str(key))
                    continue
                xs, ys = columns.setdefault(str(key), ([], []))
                xs.append(float(i))
                ys.append(v)
        out = {k: (np.array(xs), np.array(ys)) for k, (xs, ys) in columns.items()}
        skipped = [k for k in skipped if k not in out]
    else:
        raise TypeError(f"history: expected a dict of lists or a list of dicts, got {type(history).__name__}")
    return out, skipped


def plot_losses(
    history: Any,
    ax: Axes | None = None,
    keys: str | Iterable[str] | None = None,
    smooth: int | None = None,
    *,
    title: str | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    show_raw: bool = True,
) -> Axes:
    """Plot training curves, one line per key, with a legend.

    Parameters
    ----------
    history : dict of lists, or list of dicts
        See :func:`history_series`, e.g. ``{"loss_d": [...], "loss_g": [...]}``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    keys : str or iterable of str, optional
        Which curves to draw (default: every non-empty numeric series in ``history``, in its order).
    smooth : int, optional
        Window of a trailing moving average (:func:`moving_average`). With ``smooth > 1`` the raw curve
        stays as a faint line of the same colour (unless ``show_raw=False``) and the legend names the
        smoothed one, e.g. ``"loss_d (avg of 10)"``.
    title, xlabel, ylabel : str
        Labels of the axes.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        For an unknown key, a series that is empty or holds NaN/inf, no numeric series at all,
        or ``smooth`` below 1.
    TypeError
        If ``history`` is neither a mapping nor a list of mappings.

    Examples
    --------
    >>> ax = plot_losses({"loss_d": [1.4, 1.2, 1.3], "loss_g": [0.7, 0.9, 0.8]}, smooth=2)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['loss_d (avg of 2)', 'loss_g (avg of 2)']
    """
    series, skipped = _history_series(history)
    if not series:
        raise ValueError("history: expected at least one numeric series (e.g. {'loss_d': [...]}), got none")
    if keys is None:
        # automatic selection skips series that have not been filled yet (e.g. a metric logged later)
        selected = [k for k, (_, y) in series.items() if y.size > 0] or list(series)
    else:
        selected = [keys] if isinstance(keys, str) else list(keys)
        if not selected:
            raise ValueError(f"keys: expected at least one key of {list(series)}, got an empty selection")
        for key in selected:
            if key in skipped:
                raise ValueError(f"keys: {key!r} holds no numbers in history; numeric keys are {list(series)}")
            if key not in series:
                raise ValueError(f"keys: unknown key {key!r}; history has keys {list(series)}")
    if smooth is not None:
        smooth = validation.positive_int("smooth", smooth)
    for key in selected:
        _, y = series[key]
        if y.size == 0:
            raise ValueError(f"history[{key!r}]: expected at least one value, got none")
        if not np.isfinite(y).all():
            step = int(np.flatnonzero(~np.isfinite(y))[0])
            raise ValueError(f"history[{key!r}]: expected finite values, got {y[step]} at position {step}")

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    for key in selected:
        x, y = series[key]
        if smooth is not None and smooth > 1:
            (line,) = ax.plot(x, moving_average(y, smooth), label=f"{key} (avg of {smooth})")
            if show_raw:
                ax.plot(x, y, color=line.get_color(), alpha=0.25, linewidth=0.8, label=f"_{key} raw")
        else:
            ax.plot(x, y, label=key, marker="o" if len(y) == 1 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


# ----------------------------------------------------------------------------------------------
# circuits
# ----------------------------------------------------------------------------------------------
def draw_circuit(
    qnode: Callable[..., Any],
    *args: Any,
    style: str = "pennylane",
    decimals: int | None = 2,
    wire_order: Sequence[Any] | None = None,
    show_all_wires: bool = False,
    title: str | None = None,
    **kwargs: Any,
) -> tuple[Figure, Axes]:
    """Draw a QNode (or quantum function) with :func:`pennylane.draw_mpl` in the course's style.

    Parameters
    ----------
    qnode : QNode or callable
        The circuit to draw.
    *args, **kwargs
        Passed to ``qnode`` (e.g. the weights), exactly as when calling it.
    style : str
        A PennyLane drawing style (``qml.drawer.available_styles()``) or ``"rcParams"``. The style is
        applied only to this drawing. Default ``"pennylane"``.
    decimals : int or None
        Digits of the gate angles to print (``None`` hides them).
    wire_order, show_all_wires
        As in :func:`pennylane.draw_mpl`.
    title : str, optional
        Title above the circuit.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
        PennyLane sizes the figure by the circuit: about one inch per gate column and per wire.

    Examples
    --------
    >>> import pennylane as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def bell():
    ...     qml.Hadamard(0)
    ...     qml.CNOT([0, 1])
    ...     return qml.probs()
    >>> fig, ax = draw_circuit(bell, title="Bell state")
    >>> ax.get_title()
    'Bell state'
    """
    import pennylane as qml

    if not callable(qnode):
        raise TypeError(f"qnode: expected a QNode or quantum function, got {type(qnode).__name__}")
    styles = list(qml.drawer.available_styles()) + ["rcParams"]
    if style not in styles:
        raise ValueError(f"style: expected one of {styles}, got {style!r}")
    if decimals is not None:
        wanted = "decimals: expected None or a non-negative integer"
        if not validation.is_int(decimals):
            raise validation.ArgumentTypeError(f"{wanted}, got {decimals!r}")
        if decimals < 0:
            raise ValueError(f"{wanted}, got {decimals!r}")
    fig, ax = qml.draw_mpl(
        qnode, wire_order=wire_order, show_all_wires=show_all_wires, decimals=decimals, style=style
    )(*args, **kwargs)
    if title is not None:
        ax.set_title(title)
    return fig, ax
