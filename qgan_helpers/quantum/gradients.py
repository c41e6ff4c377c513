"""Gradient statistics of parametrised circuits: barren plateaus, shot noise and their remedies.

Two kinds of experiments, both importable from here.

*Landscape statistics* (:func:`gradient_samples`, :func:`gradient_variance`, :func:`variance_grid`):
draw many parameter vectors from an initialisation strategy, compute the **exact** gradient of a
cost for each draw (one broadcast ``default.qubit`` call with torch backprop), and look at the
variance over draws. A *barren plateau* is a variance that shrinks exponentially with the number of
qubits (McClean et al. 2018).

*Estimator statistics* (:func:`shot_gradient_estimates`, :func:`parameter_shift_variance`,
:func:`exact_gradient`, in :mod:`~qgan_helpers.quantum.shot_gradients`): at one fixed parameter
vector, estimate one gradient component with the parameter-shift rule from a finite number of shots,
many times, and look at the spread of the estimates -- optionally averaged over mini-batches of
repeated estimates, or with a small Gaussian perturbation of the parameters ("classical-noise
regularisation").

The ansatz (``"seed"``, ``"patch"``), the initialisation strategy (``"uniform"``, ``"small"``,
``"layerwise"``) and the cost (``"local"``, ``"global"``) are named as in
:mod:`~qgan_helpers.quantum.gradient_setup`, which also holds :func:`weight_shape`,
:func:`init_parameters`, :func:`cost_observable` and :func:`cost_signs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation
from qgan_helpers.quantum.devices import make_qnode
from qgan_helpers.quantum.gradient_setup import (
    _TEMPLATES,
    ANSATZES,
    COSTS,
    INITS,
    _choice,
    _costs_arg,
    cost_observable,
    cost_signs,
    init_parameters,
    weight_shape,
)
from qgan_helpers.quantum.shot_gradients import exact_gradient, parameter_shift_variance, shot_gradient_estimates

__all__ = [
    "ANSATZES",
    "COSTS",
    "INITS",
    "weight_shape",
    "init_parameters",
    "cost_observable",
    "cost_signs",
    "gradient_samples",
    "gradient_variance",
    "variance_grid",
    "parameter_shift_variance",
    "shot_gradient_estimates",
    "exact_gradient",
    "loglog_slope",
]


# -- exact gradients over random draws ------------------------------------------------------------------
def _exact_gradients(params: np.ndarray, ansatz: str, n: int, costs: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One broadcast forward pass (probabilities), one backward pass per cost: ``{cost: (draws, n_params)}``."""
    template = _TEMPLATES[ansatz]

    def circuit(weights):
        template(weights, n)
        return qml.probs(wires=range(n))

    qnode = make_qnode(circuit, wires=n, interface="torch", diff_method="backprop")
    weights = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    probs = qnode(weights).reshape(len(params), -1)
    out = {}
    for i, c in enumerate(costs):
        value = probs @ torch.tensor(cost_signs(c, n))
        (grad,) = torch.autograd.grad(value.sum(), weights, retain_graph=i < len(costs) - 1)
        out[c] = grad.detach().numpy().reshape(len(params), -1)
    return out


def gradient_samples(
    n_qubits: int,
    layers: int,
    *,
    ansatz: str = "seed",
    init: str = "uniform",
    cost: str | tuple[str, ...] = "global",
    draws: int = 200,
    scale: float = 0.1,
    active_layers: int = 1,
    seed: int = 0,
) -> np.ndarray | dict[str, np.ndarray]:
    """Exact gradients of the cost for ``draws`` random parameter vectors.

    All draws are evaluated in ONE broadcast QNode call on ``default.qubit`` with torch backprop
    (the draws are independent, so the gradient of the summed cost gives every draw's gradient).
    The circuit returns the probabilities of all basis states and the cost is
    ``probs @ cost_signs(cost, n)``, so several costs share one forward pass.

    Parameters
    ----------
    n_qubits, layers : int
    ansatz : {"seed", "patch"}
    init : {"uniform", "small", "layerwise"}
    cost : {"local", "global"} or a tuple of them
    draws : int
        Number of parameter vectors (>= 2, to have a variance).
    scale, active_layers :
        Passed to :func:`init_parameters`.
    seed : int
        Seed of the parameter draws.

    Returns
    -------
    numpy.ndarray, shape (draws, n_params), or a dict ``{cost: array}`` when ``cost`` is a tuple
        ``out[d, k] = dC/dtheta_k`` at draw ``d`` (parameters flattened in the weight tensor's order).

    Examples
    --------
    >>> g = gradient_samples(1, 1, ansatz="patch", cost="local", draws=4000)
    >>> g.shape, round(float(g.var()), 1)     # dC/dtheta = -sin(theta): variance 1/2
    ((4000, 1), 0.5)
    """
    shape = weight_shape(ansatz, layers, n_qubits)
    _choice("init", init, INITS)
    costs = _costs_arg(cost)
    n_draws = validation.positive_int("draws", draws)
    if n_draws < 2:
        raise ValueError(f"draws: expected at least 2 draws to estimate a variance, got {n_draws}")
    params = init_parameters(shape, init, draws=n_draws, scale=scale, active_layers=active_layers, rng=validation.seed(seed))
    grads = _exact_gradients(params, ansatz, int(n_qubits), costs)
    return grads[cost] if isinstance(cost, str) else grads


def _variance_of(grads: np.ndarray, param: Any) -> float:
    per_param = grads.var(axis=0, ddof=1)
    if isinstance(param, str):
        if param != "mean":
            raise ValueError(f"param: expected a parameter index or 'mean', got {param!r}")
        return float(per_param.mean())
    if isinstance(param, bool) or not isinstance(param, (int, np.integer)) or not 0 <= param < per_param.size:
        raise ValueError(f"param: expected an index in [0, {per_param.size - 1}] or 'mean', got {param!r}")
    return float(per_param[int(param)])


def gradient_variance(n_qubits: int, layers: int, *, param: int | str = 0, **kwargs: Any) -> float | dict[str, float]:
    """Variance over random draws of ``dC/dtheta_param``.

    Parameters
    ----------
    n_qubits, layers : int
    param : int or "mean"
        Index of one (flattened) parameter -- by default the first one, the first layer's first
        rotation on wire 0 (as McClean et al. 2018 do) -- or ``"mean"`` for the variance averaged over
        all parameters (careful: with a local cost, parameters outside the observable's light cone
        have zero gradient and pull the mean down by a trivial factor).
    **kwargs
        Passed to :func:`gradient_samples` (``ansatz``, ``init``, ``cost``, ``draws``, ``scale``,
        ``active_layers``, ``seed``).

    Returns
    -------
    float, or a dict ``{cost: float}`` when ``cost`` is a tuple

    Examples
    --------
    >>> round(gradient_variance(1, 1, ansatz="seed", cost="local", draws=4000, param="mean"), 2)
    0.17
    """
    grads = gradient_samples(n_qubits, layers, **kwargs)
    if isinstance(grads, dict):
        return {c: _variance_of(g, param) for c, g in grads.items()}
    return _variance_of(grads, param)


def variance_grid(
    qubits: Sequence[int], layers: Sequence[int], *, cost: str | tuple[str, ...] = "global", **kwargs: Any
) -> np.ndarray | dict[str, np.ndarray]:
    """:func:`gradient_variance` for every (qubits, layers) pair.

    Returns
    -------
    numpy.ndarray, shape (len(qubits), len(layers)), or a dict ``{cost: array}`` when ``cost`` is a tuple

    Examples
    --------
    >>> variance_grid([1, 2], [1], ansatz="patch", cost="local", draws=50).shape
    (2, 1)
    """
    for name, seq in (("qubits", qubits), ("layers", layers)):
        if isinstance(seq, (str, bytes)) or not isinstance(seq, (Sequence, np.ndarray, range)) or len(seq) == 0:
            raise ValueError(f"{name}: expected a non-empty sequence of positive integers, got {seq!r}")
    costs = _costs_arg(cost)
    cells = [[gradient_variance(int(n), int(d), cost=costs, **kwargs) for d in layers] for n in qubits]
    grids = {c: np.array([[cell[c] for cell in row] for row in cells]) for c in costs}
    return grids[cost] if isinstance(cost, str) else grids


def loglog_slope(x: Any, y: Any) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (the exponent ``a`` in ``y ~ x**a``).

    Examples
    --------
    >>> round(loglog_slope([1, 10, 100], [1.0, 0.1, 0.01]), 6)
    -1.0
    """
    xs, ys = (np.asarray(v, dtype=float).ravel() for v in (x, y))
    if xs.shape != ys.shape or xs.size < 2:
        raise ValueError(f"x: expected at least two points and as many as y, got {xs.size} x and {ys.size} y values")
    if np.any(~np.isfinite(xs)) or np.any(xs <= 0):
        raise ValueError(f"x: expected positive finite values, got {xs}")
    if np.any(~np.isfinite(ys)) or np.any(ys <= 0):
        raise ValueError(f"y: expected positive finite values, got {ys}")
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])
