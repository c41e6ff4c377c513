"""The ingredients of a gradient experiment: the ansatz, the initialisation strategy and the cost.

Both kinds of gradient experiment -- landscape statistics over random draws
(:mod:`~qgan_helpers.quantum.gradients`) and shot-noise estimates at one point
(:mod:`~qgan_helpers.quantum.shot_gradients`) -- name their circuit, starting point and cost the same
way; this module says what the names mean: :func:`weight_shape`, :func:`init_parameters`,
:func:`cost_observable` and :func:`cost_signs`.

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

Examples
--------
>>> w = init_parameters(weight_shape("patch", 2, 3), "small", draws=4, scale=0.1, rng=0)
>>> w.shape, cost_observable("local", 3)
((4, 2, 3), Z(0))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import patch_ansatz, patch_weight_shape, seed_ansatz, seed_weight_shape

__all__ = ["ANSATZES", "COSTS", "INITS", "weight_shape", "init_parameters", "cost_observable", "cost_signs"]

ANSATZES: tuple[str, ...] = ("seed", "patch")
COSTS: tuple[str, ...] = ("local", "global")
INITS: tuple[str, ...] = ("uniform", "small", "layerwise")

_TEMPLATES = {"seed": seed_ansatz, "patch": patch_ansatz}


# -- validators (counts, seeds, numbers: qgan_helpers.validation) -------------------------------------
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
