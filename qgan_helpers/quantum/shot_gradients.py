"""Gradient estimates from finite shots: the parameter-shift rule's spread, and two ways to shrink it.

At one fixed parameter vector, :func:`shot_gradient_estimates` estimates one gradient component with
the parameter-shift rule from a finite number of shots, many times, so that the spread of the
estimates shows -- optionally averaged over mini-batches of repeated estimates, or with a small
Gaussian perturbation of the parameters ("classical-noise regularisation").
:func:`parameter_shift_variance` is the spread one estimate has in theory, :func:`exact_gradient` the
value the estimates scatter around. Ansatz and cost names as in
:mod:`~qgan_helpers.quantum.gradient_setup`.

Examples
--------
>>> w = np.array([[np.pi / 2]])               # patch ansatz, 1 qubit: C = cos(theta)
>>> round(exact_gradient(w, ansatz="patch"), 6), parameter_shift_variance(0.0, 0.0, 100)
(-1.0, 0.005)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml
import torch

from qgan_helpers import validation
from qgan_helpers.quantum.devices import make_qnode
from qgan_helpers.quantum.gradient_setup import ANSATZES, COSTS, _choice, _circuit

__all__ = ["parameter_shift_variance", "exact_gradient", "shot_gradient_estimates"]


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
