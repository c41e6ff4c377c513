"""Gradient statistics of parametrised circuits: barren plateaus, shot noise and their remedies.

Two kinds of experiments live here.

*Landscape statistics* (:func:`gradient_samples`, :func:`gradient_variance`, :func:`variance_grid`):
draw many parameter vectors from an initialisation strategy, compute the **exact** gradient of a
cost for each draw (one broadcast ``default.qubit`` call with torch backprop), and look at the
variance over draws. A *barren plateau* is a variance that shrinks exponentially with the number of
qubits (McClean et al. 2018).

*Estimator statistics* (:func:`shot_gradient_estimates`, :func:`parameter_shift_variance`): at one
fixed parameter vector, estimate one gradient component with the parameter-shift rule from a finite
number of shots, many times, and look at the spread of the estimates -- optionally averaged over
mini-batches of repeated estimates, or with a small Gaussian perturbation of the parameters
("classical-noise regularisation").

Conventions
-----------
ansatz
    ``"seed"``: the seed's hardware-efficient layer (RX RY RZ on every wire + CNOT chain), weights of
    shape ``(layers, n, 3)``; ``"patch"``: the patch layer (RY on every wire + CZ chain), weights of
    shape ``(layers, n)`` (see :mod:`qgan_helpers.quantum.circuits`).
cost
    ``"local"``: ``<Z>`` on wire 0 (a 1-local observable); ``"global"``: ``<Z x Z x ... x Z>`` on all
    wires (an n-local observable). Both are Pauli observables with eigenvalues +-1 (Cerezo et al. 2021
    show that the global one has a barren plateau already for shallow circuits).
init
    ``"uniform"``: every angle uniform in ``[0, 2*pi)``; ``"small"``: every angle normal with mean 0
    and standard deviation ``scale`` (small-angle initialisation: the circuit starts close to the
    identity); ``"layerwise"``: the first ``active_layers`` layers uniform, the rest zero (the state of
    layer-wise training when only the first layers have been switched on, Skolik et al. 2021).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import patch_ansatz, patch_weight_shape, seed_ansatz, seed_weight_shape
from qgan_helpers.quantum.devices import make_qnode

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

ANSATZES: tuple[str, ...] = ("seed", "patch")
COSTS: tuple[str, ...] = ("local", "global")
INITS: tuple[str, ...] = ("uniform", "small", "layerwise")

_TEMPLATES = {"seed": seed_ansatz, "patch": patch_ansatz}


# -- validators (counts, seeds, numbers: qgan_helpers.validation) -----------------------------------------------------------------------------------
def _choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, options))}, got {value!r}")
    return value


# -- shapes, initialisation and cost -------------------------------------------------------------------
def weight_shape(ansatz: str, layers: int, n_qubits: int) -> tuple[int, ...]:
    """Shape of one weight tensor of ``ansatz``.

    Examples
    --------
    >>> weight_shape("seed", 2, 4), weight_shape("patch", 2, 4)
    ((2, 4, 3), (2, 4))
    """
    _choice("ansatz", ansatz, ANSATZES)
    validation.positive_int("layers", layers)
    validation.positive_int("n_qubits", n_qubits)
    return seed_weight_shape(layers, n_qubits) if ansatz == "seed" else patch_weight_shape(layers, n_qubits)


def init_parameters(
    shape: Sequence[int],
    init: str = "uniform",
    *,
    draws: int = 1,
    scale: float = 0.1,
    active_layers: int = 1,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Draw ``draws`` weight tensors from an initialisation strategy.

    Parameters
    ----------
    shape : sequence of int
        Shape of one weight tensor; its first axis is the layer axis (e.g. ``(layers, n, 3)``).
    init : {"uniform", "small", "layerwise"}
        See the module docstring.
    draws : int
        Number of independent tensors.
    scale : float
        Standard deviation of the ``"small"`` strategy (radians, ``>= 0``).
    active_layers : int
        Layers drawn uniformly by ``"layerwise"`` (the others are zero); at most ``shape[0]``.
    rng : numpy.random.Generator or int, optional
        Source of randomness (an int seeds a new generator).

    Returns
    -------
    numpy.ndarray, shape (draws, *shape)

    Examples
    --------
    >>> w = init_parameters((3, 2, 3), "layerwise", draws=5, rng=0)
    >>> w.shape, bool(np.all(w[:, 1:] == 0)), bool(np.all((0 <= w) & (w < 2 * np.pi)))
    ((5, 3, 2, 3), True, True)
    """
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (Sequence, np.ndarray)) or len(shape) < 1:
        raise ValueError(f"shape: expected a non-empty sequence of positive integers, got {shape!r}")
    dims = tuple(validation.positive_int("shape", d) for d in shape)
    _choice("init", init, INITS)
    n = validation.positive_int("draws", draws)
    sigma = validation.number("scale", scale, 0)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if init == "uniform":
        return gen.uniform(0.0, 2 * np.pi, (n, *dims))
    if init == "small":
        return gen.normal(0.0, sigma, (n, *dims))
    k = validation.positive_int("active_layers", active_layers)
    if k > dims[0]:
        raise ValueError(f"active_layers: expected at most the number of layers ({dims[0]}), got {k}")
    out = np.zeros((n, *dims))
    out[:, :k] = gen.uniform(0.0, 2 * np.pi, (n, k, *dims[1:]))
    return out


def cost_observable(cost: str, n_qubits: int) -> qml.operation.Operator:
    """The cost's observable: ``Z`` on wire 0 (``"local"``) or ``Z`` on every wire (``"global"``).

    Examples
    --------
    >>> cost_observable("global", 3)
    Z(0) @ Z(1) @ Z(2)
    """
    _choice("cost", cost, COSTS)
    n = validation.positive_int("n_qubits", n_qubits)
    if cost == "local" or n == 1:
        return qml.PauliZ(0)
    return qml.prod(*[qml.PauliZ(w) for w in range(n)])


def _circuit(ansatz: str, cost: str, n: int):
    template, observable = _TEMPLATES[ansatz], cost_observable(cost, n)

    def circuit(weights):
        template(weights, n)
        return qml.expval(observable)

    return circuit


# -- exact gradients over random draws ------------------------------------------------------------------
def cost_signs(cost: str, n_qubits: int) -> np.ndarray:
    """The cost's observable as a +-1 vector over basis states: ``C = probs @ cost_signs(cost, n)``.

    Basis states are ordered with wire 0 as the most significant bit (PennyLane's order).

    Examples
    --------
    >>> cost_signs("local", 2).tolist(), cost_signs("global", 2).tolist()
    ([1.0, 1.0, -1.0, -1.0], [1.0, -1.0, -1.0, 1.0])
    """
    _choice("cost", cost, COSTS)
    n = validation.positive_int("n_qubits", n_qubits)
    bits = (np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1
    parity = bits[:, 0] if cost == "local" else bits.sum(axis=1) % 2
    return 1.0 - 2.0 * parity


def _costs_arg(cost: Any) -> tuple[str, ...]:
    costs = (cost,) if isinstance(cost, str) else tuple(cost) if isinstance(cost, (tuple, list)) else None
    if not costs or any(c not in COSTS for c in costs):
        raise ValueError(f"cost: expected one of {', '.join(map(repr, COSTS))} (or a tuple of them), got {cost!r}")
    return costs


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
    cells = [[gradient_variance(int(n), int(l), cost=costs, **kwargs) for l in layers] for n in qubits]
    grids = {c: np.array([[cell[c] for cell in row] for row in cells]) for c in costs}
    return grids[cost] if isinstance(cost, str) else grids


# -- finite shots -------------------------------------------------------------------------------------
def parameter_shift_variance(c_plus: Any, c_minus: Any, shots: Any) -> Any:
    """Variance of a parameter-shift gradient estimate from ``shots`` shots per shifted circuit.

    For a +-1-valued observable the mean of ``S`` shots has variance ``(1 - c**2) / S``; the estimate
    ``g = (c_plus - c_minus) / 2`` therefore has variance

    .. math:: \\operatorname{Var}[\\hat g] = \\frac{(1 - c_+^2) + (1 - c_-^2)}{4 S}.

    Parameters
    ----------
    c_plus, c_minus : float or array
        Exact expectation values at ``theta + pi/2`` and ``theta - pi/2`` (in ``[-1, 1]``).
    shots : int or array of int
        Shots per shifted circuit (``>= 1``).

    Examples
    --------
    >>> parameter_shift_variance(0.0, 0.0, 100)
    0.005
    """
    cp, cm, s = (np.asarray(v, dtype=float) for v in (c_plus, c_minus, shots))
    for name, v in (("c_plus", cp), ("c_minus", cm)):
        if not np.all(np.isfinite(v)) or np.any(np.abs(v) > 1 + 1e-9):
            raise ValueError(f"{name}: expected expectation values in [-1, 1], got {v}")
    if not np.all(np.isfinite(s)) or np.any(s < 1):
        raise ValueError(f"shots: expected positive integers, got {s}")
    out = ((1 - cp**2) + (1 - cm**2)) / (4 * s)
    return float(out) if out.ndim == 0 else out


def _check_weights(weights: Any, ansatz: str, n_qubits: int) -> np.ndarray:
    w = np.asarray(qml.math.to_numpy(weights), dtype=float)
    trailing = (n_qubits, 3) if ansatz == "seed" else (n_qubits,)
    if w.ndim != len(trailing) + 1 or w.shape[1:] != trailing:
        raise ValueError(f"weights: expected shape (layers, {', '.join(map(str, trailing))}) for the "
                         f"{ansatz!r} ansatz on {n_qubits} qubits, got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights: expected finite angles, got NaN or infinity")
    return w


def _check_index(param: Any, size: int) -> int:
    if isinstance(param, bool) or not isinstance(param, (int, np.integer)) or not 0 <= param < size:
        raise ValueError(f"param: expected a parameter index in [0, {size - 1}], got {param!r}")
    return int(param)


def _weights_and_index(weights: Any, ansatz: str, cost: str, param: Any) -> tuple[np.ndarray, int, int]:
    """Validate ``ansatz``, ``cost``, ``weights`` and ``param``; return (weights, n_qubits, flat index)."""
    _choice("ansatz", ansatz, ANSATZES)
    _choice("cost", cost, COSTS)
    w0 = np.asarray(qml.math.to_numpy(weights)) if weights is not None else None
    if w0 is None or w0.ndim < 2:
        raise ValueError(f"weights: expected a weight tensor of shape (layers, n, ...), got {w0!r}")
    n = int(w0.shape[1])
    w = _check_weights(weights, ansatz, n)
    return w, n, _check_index(param, w.size)


def exact_gradient(weights: Any, *, ansatz: str = "seed", cost: str = "local", param: int = 0) -> float:
    """The exact ``dC/dtheta_param`` at ``weights`` (backprop on ``default.qubit``).

    Parameters
    ----------
    weights : array, shape (layers, n, 3) for "seed" or (layers, n) for "patch"
    ansatz, cost : str
    param : int
        Index into the flattened weights.

    Examples
    --------
    >>> round(exact_gradient(np.array([[np.pi / 2]]), ansatz="patch"), 6)   # d cos(theta) at pi/2
    -1.0
    """
    w, n, k = _weights_and_index(weights, ansatz, cost, param)
    qnode = make_qnode(_circuit(ansatz, cost, n), wires=n, interface="torch", diff_method="backprop")
    t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(qnode(t), t)
    return float(grad.reshape(-1)[k])


def shot_gradient_estimates(
    weights: Any,
    *,
    shots: int,
    repeats: int = 200,
    batches: int = 1,
    perturbation: float = 0.0,
    ansatz: str = "seed",
    cost: str = "local",
    param: int = 0,
    seed: int = 0,
) -> np.ndarray:
    """Repeated parameter-shift estimates of ``dC/dtheta_param`` from finite shots.

    One estimate is ``(C(theta + pi/2 e_k) - C(theta - pi/2 e_k)) / 2`` with each ``C`` the mean of
    ``shots`` measurements, averaged over ``batches`` independent repetitions (*mini-batch averaging
    over shots*). With ``perturbation = sigma > 0`` every repetition first adds independent Gaussian
    noise ``N(0, sigma**2)`` to ALL parameters (*classical-noise regularisation*); the estimate then
    targets the gradient of the smoothed cost ``E_eps[C(theta + eps)]``, not of ``C`` itself.
    All ``2 * repeats * batches`` circuits run in one broadcast call with shots.

    Parameters
    ----------
    weights : array, shape (layers, n, 3) for "seed" or (layers, n) for "patch"
    shots : int
        Shots per shifted circuit.
    repeats : int
        Number of independent estimates returned (>= 2).
    batches : int
        Estimates averaged into one (a mini-batch); the shot cost of one estimate is
        ``2 * shots * batches``.
    perturbation : float
        Standard deviation ``sigma`` of the Gaussian parameter noise (radians, ``>= 0``).
    ansatz, cost : str
    param : int
        Index into the flattened weights (the seed ansatz orders them layer, wire, (RX, RY, RZ)).
    seed : int
        Seeds the perturbations and the device's sampler.

    Returns
    -------
    numpy.ndarray, shape (repeats,)

    Examples
    --------
    >>> w = np.array([[0.0]])              # patch ansatz, 1 qubit: C = cos(theta), C(+-pi/2) = 0
    >>> g = shot_gradient_estimates(w, shots=100, repeats=4000, ansatz="patch")
    >>> abs(float(g.mean())) < 0.01, round(float(g.var() / parameter_shift_variance(0.0, 0.0, 100)), 1)
    (True, 1.0)
    """
    w, n, k = _weights_and_index(weights, ansatz, cost, param)
    n_shots = validation.positive_int("shots", shots)
    r = validation.positive_int("repeats", repeats)
    if r < 2:
        raise ValueError(f"repeats: expected at least 2 estimates to see their spread, got {r}")
    m = validation.positive_int("batches", batches)
    sigma = validation.number("perturbation", perturbation, 0)
    rng = np.random.default_rng(validation.seed(seed))
    base = np.broadcast_to(w, (r * m, *w.shape)).copy()
    if sigma > 0:
        base += rng.normal(0.0, sigma, base.shape)
    flat = base.reshape(r * m, -1)
    plus, minus = flat.copy(), flat.copy()
    plus[:, k] += np.pi / 2
    minus[:, k] -= np.pi / 2
    batch = np.concatenate([plus, minus]).reshape(2 * r * m, *w.shape)
    qnode = make_qnode(_circuit(ansatz, cost, n), wires=n, shots=n_shots, interface="numpy",
                       diff_method=None, seed=int(rng.integers(2**31)))
    values = np.asarray(qnode(batch), dtype=float).reshape(2, r, m)
    return ((values[0] - values[1]) / 2).mean(axis=1)


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
