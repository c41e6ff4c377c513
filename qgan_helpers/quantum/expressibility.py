"""Expressibility and entangling capability of parametrised circuits (Sim et al. 2019).

*Expressibility* asks how evenly the states :math:`|\\psi(\\theta)\\rangle` of a circuit cover the
state space when the angles are drawn at random. Sim, Johnson and Aspuru-Guzik compare the
distribution of fidelities :math:`F = |\\langle\\psi(a)|\\psi(b)\\rangle|^2` between pairs of random
states with the distribution for Haar-random states,

.. math::  P_\\mathrm{Haar}(F) = (N - 1)(1 - F)^{N - 2}, \\qquad N = 2^n,

and report the Kullback--Leibler divergence :math:`D_\\mathrm{KL}(P_\\mathrm{circuit}\\,\\|\\,P_\\mathrm{Haar})`
of the two histograms: the lower, the more expressive.

*Entangling capability* is the average Meyer--Wallach measure
:math:`Q = 2\\bigl(1 - \\tfrac1n \\sum_k \\mathrm{Tr}\\,\\rho_k^2\\bigr)` over random angles: 0 for product
states, 1 for GHZ and Bell states.

All heavy lifting is one broadcast circuit call: a batch of ``B`` parameter vectors goes into
a state function once and ``B`` state vectors come out (see :func:`state_function`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import as_wires

__all__ = [
    "state_function",
    "random_parameters",
    "random_states",
    "haar_random_states",
    "pair_fidelities",
    "fidelities",
    "haar_fidelity_pdf",
    "haar_bin_probabilities",
    "fidelity_histogram",
    "histogram_kl",
    "expressibility_from_fidelities",
    "expressibility",
    "meyer_wallach",
    "entangling_capability",
]

StateFn = Callable[[np.ndarray], Any]
RngLike = int | np.random.Generator | None

_NORM_TOL = 1e-6


# -- input checks ------------------------------------------------------------------------------
def _rng(rng: RngLike) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    wanted = "rng: expected None, a non-negative integer seed or a numpy Generator"
    if rng is None:
        return np.random.default_rng()
    if not validation.is_int(rng):
        raise validation.ArgumentTypeError(f"{wanted}, got {rng!r}")
    if rng < 0:
        raise ValueError(f"{wanted}, got {rng!r}")
    return np.random.default_rng(int(rng))


def _param_shape(param_shape: Any) -> tuple[int, ...]:
    if isinstance(param_shape, (int, np.integer)) and not isinstance(param_shape, bool):
        param_shape = (param_shape,)
    try:
        shape = tuple(param_shape)
    except TypeError:
        raise TypeError(f"param_shape: expected a tuple of positive integers, got {param_shape!r}") from None
    if not shape or any(
        isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in shape
    ):
        raise ValueError(f"param_shape: expected a non-empty tuple of positive integers, got {shape}")
    return tuple(int(d) for d in shape)


def _n_qubits_of(dim: int, name: str) -> int:
    n = int(round(math.log2(dim))) if dim > 0 else -1
    if dim < 2 or 2**n != dim:
        raise ValueError(f"{name}: expected a state vector length that is a power of two (>= 2), got {dim}")
    return n


def _as_states(states: Any, name: str = "states") -> np.ndarray:
    """Check a (batch of) normalised state vectors; return it as a 2-D complex array (B, N)."""
    arr = np.asarray(qml.math.to_numpy(states))
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name}: expected shape (2**n,) or (B, 2**n), got {arr.shape}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.shape[0] < 1:
        raise ValueError(f"{name}: expected at least one state, got shape {arr.shape}")
    _n_qubits_of(arr.shape[-1], name)
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name}: expected numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.complex128)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite amplitudes, got NaN or infinity")
    norms = np.sum(np.abs(arr) ** 2, axis=-1)
    worst = float(np.max(np.abs(norms - 1.0)))
    if worst > _NORM_TOL:
        raise ValueError(
            f"{name}: expected normalised states (sum of |amplitude|^2 = 1), got a squared norm off by {worst:.3g}"
        )
    return arr


# -- states ------------------------------------------------------------------------------------
def state_function(template: Callable[..., None], wires: int | Sequence[Any]) -> StateFn:
    """A function ``params -> states`` that runs ``template(params, wires)`` on ``|0...0>``.

    The returned function evaluates a whole batch of parameter tensors in one broadcast call of a
    ``default.qubit`` QNode that returns ``qml.state()``.

    Parameters
    ----------
    template : callable
        A circuit template ``template(weights, wires)``, e.g. :func:`qgan_helpers.quantum.circuits.seed_ansatz`.
    wires : int or sequence
        The wires (an int ``n`` means ``0..n-1``).

    Returns
    -------
    callable
        ``f(params)`` with ``params`` of shape ``param_shape`` or ``(B, *param_shape)``; returns a
        complex NumPy array of shape ``(2**n,)`` or ``(B, 2**n)``.

    Examples
    --------
    >>> from qgan_helpers.quantum.circuits import patch_ansatz
    >>> f = state_function(patch_ansatz, 2)
    >>> np.round(f(np.zeros((1, 2))).real, 6).tolist()
    [1.0, 0.0, 0.0, 0.0]
    """
    if not callable(template):
        raise TypeError(f"template: expected a callable template(weights, wires), got {template!r}")
    labels = as_wires(wires)
    dev = qml.device("default.qubit", wires=labels)

    @qml.qnode(dev, interface="numpy", diff_method=None)
    def circuit(params):
        template(params, labels)
        return qml.state()

    def states(params: Any) -> np.ndarray:
        return np.asarray(circuit(np.asarray(params, dtype=float)))

    states.__doc__ = f"States of {getattr(template, '__name__', 'template')} on wires {labels} (broadcasts)."
    return states


def random_parameters(
    param_shape: Sequence[int] | int,
    n_samples: int,
    rng: RngLike = None,
    low: float = 0.0,
    high: float = 2 * np.pi,
) -> np.ndarray:
    """``n_samples`` parameter tensors drawn uniformly from ``[low, high)``.

    Returns
    -------
    ndarray, shape (n_samples, *param_shape)

    Examples
    --------
    >>> random_parameters((2, 3), 5, rng=0).shape
    (5, 2, 3)
    """
    shape = _param_shape(param_shape)
    n_samples = validation.positive_int("n_samples", n_samples)
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise ValueError(f"low, high: expected finite numbers with low < high, got low={low}, high={high}")
    return _rng(rng).uniform(low, high, size=(n_samples, *shape))


def random_states(
    state_fn: StateFn,
    param_shape: Sequence[int] | int,
    n_states: int,
    rng: RngLike = None,
) -> np.ndarray:
    """States of a circuit at ``n_states`` uniformly random parameter tensors, in ONE call.

    Parameters
    ----------
    state_fn : callable
        ``state_fn(params)`` with ``params`` of shape ``(B, *param_shape)`` returns ``(B, 2**n)``
        state vectors (e.g. from :func:`state_function`).
    param_shape : tuple of int
        Shape of one parameter tensor, e.g. ``seed_weight_shape(2, 4)``.
    n_states : int
    rng : None, int or numpy Generator

    Returns
    -------
    ndarray, shape (n_states, 2**n), complex

    Examples
    --------
    >>> from qgan_helpers.quantum.circuits import seed_ansatz, seed_weight_shape
    >>> random_states(state_function(seed_ansatz, 2), seed_weight_shape(1, 2), 3, rng=0).shape
    (3, 4)
    """
    if not callable(state_fn):
        raise TypeError(f"state_fn: expected a callable params -> states, got {state_fn!r}")
    params = random_parameters(param_shape, n_states, rng)
    raw = np.asarray(qml.math.to_numpy(state_fn(params)))
    states = _as_states(raw, "state_fn(params)")
    if raw.ndim != 2 or states.shape[0] != n_states:
        raise ValueError(
            f"state_fn(params): expected shape ({n_states}, 2**n), one state per parameter tensor "
            f"(the circuit must broadcast over the leading batch dimension), got shape {raw.shape}"
        )
    return states


def haar_random_states(n_states: int, n_qubits: int, rng: RngLike = None, real: bool = False) -> np.ndarray:
    """Haar-random pure states: normalised complex (or real) Gaussian vectors.

    ``real=True`` gives states uniform on the *real* unit sphere, the best that circuits made of
    ``RY`` and ``CZ`` gates (real amplitudes only) can do.

    Returns
    -------
    ndarray, shape (n_states, 2**n_qubits), complex

    Examples
    --------
    >>> s = haar_random_states(4, 3, rng=0)
    >>> s.shape, bool(np.allclose(np.linalg.norm(s, axis=1), 1))
    ((4, 8), True)
    """
    n_states = validation.positive_int("n_states", n_states)
    n_qubits = validation.positive_int("n_qubits", n_qubits)
    gen = _rng(rng)
    dim = 2**n_qubits
    v = gen.normal(size=(n_states, dim)).astype(np.complex128)
    if not real:
        v = v + 1j * gen.normal(size=(n_states, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# -- fidelities and expressibility ----------------------------------------------------------
def pair_fidelities(states_a: Any, states_b: Any) -> np.ndarray:
    """Fidelities ``|<a_i|b_i>|^2`` of paired state vectors.

    Parameters
    ----------
    states_a, states_b : array, shape (B, 2**n) (or a single state (2**n,))

    Returns
    -------
    ndarray, shape (B,)

    Examples
    --------
    >>> plus = np.array([1, 1]) / np.sqrt(2)
    >>> pair_fidelities([[1, 0], [1, 0]], [[1, 0], plus]).round(6).tolist()
    [1.0, 0.5]
    """
    a = _as_states(states_a, "states_a")
    b = _as_states(states_b, "states_b")
    if a.shape != b.shape:
        raise ValueError(f"states_b: expected the shape of states_a {a.shape}, got {b.shape}")
    f = np.abs(np.sum(a.conj() * b, axis=-1)) ** 2
    return np.clip(f, 0.0, 1.0)


def fidelities(
    state_fn: StateFn,
    param_shape: Sequence[int] | int,
    n_pairs: int = 2000,
    rng: RngLike = None,
) -> np.ndarray:
    """Fidelities of ``n_pairs`` pairs of circuit states at independent random parameters.

    One broadcast call evaluates all ``2 * n_pairs`` states.

    Returns
    -------
    ndarray, shape (n_pairs,), values in [0, 1]

    Examples
    --------
    >>> from qgan_helpers.quantum.circuits import patch_ansatz
    >>> f = fidelities(state_function(patch_ansatz, 2), (1, 2), n_pairs=100, rng=0)
    >>> f.shape, bool(f.min() >= 0 and f.max() <= 1)
    ((100,), True)
    """
    n_pairs = validation.positive_int("n_pairs", n_pairs)
    states = random_states(state_fn, param_shape, 2 * n_pairs, rng)
    return pair_fidelities(states[:n_pairs], states[n_pairs:])


def haar_fidelity_pdf(f: Any, n_qubits: int) -> np.ndarray:
    """Density of the fidelity of two Haar-random ``n``-qubit states: ``(N-1)(1-F)^(N-2)``, ``N = 2**n``.

    Parameters
    ----------
    f : float or array, values in [0, 1]
    n_qubits : int

    Returns
    -------
    ndarray, the shape of ``f``

    Examples
    --------
    >>> haar_fidelity_pdf([0.0, 0.5, 1.0], 1).tolist()
    [1.0, 1.0, 1.0]
    >>> float(haar_fidelity_pdf(0.0, 2))
    3.0
    """
    n_qubits = validation.positive_int("n_qubits", n_qubits)
    f = np.asarray(f, dtype=float)
    if not np.all(np.isfinite(f)) or np.any(f < 0) or np.any(f > 1):
        raise ValueError("f: expected fidelities in [0, 1], got values outside (or NaN)")
    dim = 2**n_qubits
    return (dim - 1) * (1.0 - f) ** (dim - 2)


def _check_edges(edges: Any) -> np.ndarray:
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or e.size < 3:
        raise ValueError(f"edges: expected a 1-D array of at least 3 bin edges (2 bins), got shape {e.shape}")
    if not np.all(np.isfinite(e)) or e[0] < 0 or e[-1] > 1 or np.any(np.diff(e) <= 0):
        raise ValueError("edges: expected increasing bin edges inside [0, 1]")
    return e


def haar_bin_probabilities(edges: Any, n_qubits: int) -> np.ndarray:
    """Haar probability of each fidelity bin: the exact integral ``(1-a)^(N-1) - (1-b)^(N-1)``.

    Parameters
    ----------
    edges : array, shape (bins + 1,)
        Increasing bin edges in [0, 1], e.g. ``np.linspace(0, 1, 76)``.
    n_qubits : int

    Returns
    -------
    ndarray, shape (bins,); sums to 1 when the edges span [0, 1].

    Examples
    --------
    >>> haar_bin_probabilities(np.linspace(0, 1, 5), 1).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    e = _check_edges(edges)
    n_qubits = validation.positive_int("n_qubits", n_qubits)
    cdf_tail = (1.0 - e) ** (2**n_qubits - 1)
    return cdf_tail[:-1] - cdf_tail[1:]


def fidelity_histogram(fids: Any, bins: int = 75) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of fidelities on ``bins`` equal bins of [0, 1], as probabilities.

    Returns
    -------
    probabilities : ndarray, shape (bins,), sums to 1
    edges : ndarray, shape (bins + 1,)

    Examples
    --------
    >>> p, e = fidelity_histogram([0.1, 0.1, 0.9, 1.0], bins=2)
    >>> p.tolist(), e.tolist()
    ([0.5, 0.5], [0.0, 0.5, 1.0])
    """
    bins = validation.integer("bins", bins, 2)
    f = np.asarray(fids, dtype=float).ravel()
    if f.size < 1:
        raise ValueError("fids: expected at least one fidelity, got none")
    if not np.all(np.isfinite(f)) or np.any(f < -1e-9) or np.any(f > 1 + 1e-9):
        raise ValueError("fids: expected fidelities in [0, 1], got values outside (or NaN)")
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts, _ = np.histogram(np.clip(f, 0.0, 1.0), bins=edges)
    return counts / counts.sum(), edges


def histogram_kl(p: Any, q: Any, eps: float = 1e-300) -> float:
    """``KL(p || q) = sum_i p_i log(p_i / q_i)`` of two histograms over the same bins (natural log).

    Bins with ``p_i = 0`` contribute nothing; ``q`` is floored at ``eps`` so that a bin whose
    reference probability underflows to zero (the Haar tail near ``F = 1`` for many qubits) costs a
    large but finite amount instead of infinity.

    The same formula as :func:`qgan_helpers.born.metrics.kl_divergence`, which compares distributions
    over bit strings, but not the same function: here any number of bins is allowed and the floor is
    ``1e-300``, because Haar bin probabilities far below that function's floor of ``1e-10`` are real
    (``(1/75)**15`` for the last of 75 bins on 4 qubits) and lifting them would change the
    expressibility a circuit is given.

    Parameters
    ----------
    p, q : array, shape (bins,)
        Non-negative, each summing to 1.
    eps : float
        Floor for ``q`` (default ``1e-300``, just above the smallest normal float).

    Examples
    --------
    >>> histogram_kl([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> round(histogram_kl([1.0, 0.0], [0.5, 0.5]), 6)
    0.693147
    """
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"p: expected a 1-D distribution over at least 2 bins, got shape {p.shape}")
    if q.shape != p.shape:
        raise ValueError(f"q: expected the shape of p {p.shape}, got {q.shape}")
    for name, d in (("p", p), ("q", q)):
        if not np.all(np.isfinite(d)) or np.any(d < 0):
            raise ValueError(f"{name}: expected non-negative finite probabilities")
        if abs(d.sum() - 1.0) > 1e-6:
            raise ValueError(f"{name}: expected probabilities summing to 1, got a sum of {d.sum():.6g}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps}")
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], eps))))


def expressibility_from_fidelities(fids: Any, n_qubits: int, bins: int = 75) -> float:
    """KL divergence (:func:`histogram_kl`) between the fidelity histogram and the Haar fidelity distribution.

    Sim et al. (2019) use 75 bins. Finite samples give a small positive floor even for Haar-random
    states (about ``(bins - 1) / (2 * n_pairs)``), so compare circuits at equal ``n_pairs``.

    Examples
    --------
    >>> round(expressibility_from_fidelities(np.ones(10), 1), 4)   # idle 1-qubit circuit: log(75)
    4.3175
    """
    p, edges = fidelity_histogram(fids, bins)
    return histogram_kl(p, haar_bin_probabilities(edges, n_qubits))


def expressibility(
    state_fn: StateFn,
    param_shape: Sequence[int] | int,
    n_pairs: int = 2000,
    bins: int = 75,
    rng: RngLike = None,
) -> float:
    """Expressibility of a circuit: ``KL(P_circuit(F) || P_Haar(F))`` (lower = more expressive).

    Parameters
    ----------
    state_fn : callable
        Broadcasting ``params (B, *param_shape) -> states (B, 2**n)``, e.g. from :func:`state_function`.
    param_shape : tuple of int
    n_pairs : int
        Number of random state pairs (one broadcast call computes all ``2 * n_pairs`` states).
    bins : int
        Histogram bins on [0, 1] (at least 2).
    rng : None, int or numpy Generator

    Examples
    --------
    >>> from qgan_helpers.quantum.circuits import seed_ansatz, seed_weight_shape
    >>> fn = state_function(seed_ansatz, 1)
    >>> expressibility(fn, seed_weight_shape(1, 1), n_pairs=2000, rng=0) < 0.1
    True
    """
    bins = validation.integer("bins", bins, 2)
    n_pairs = validation.positive_int("n_pairs", n_pairs)
    states = random_states(state_fn, param_shape, 2 * n_pairs, rng)
    fids = pair_fidelities(states[:n_pairs], states[n_pairs:])
    return expressibility_from_fidelities(fids, _n_qubits_of(states.shape[-1], "state_fn(params)"), bins)


# -- entanglement -----------------------------------------------------------------------------
def meyer_wallach(states: Any) -> np.ndarray | float:
    """Meyer--Wallach entanglement ``Q = 2 (1 - (1/n) sum_k Tr(rho_k^2))`` of pure states.

    ``rho_k`` is the reduced density matrix of qubit ``k``. ``Q = 0`` exactly for product states;
    ``Q = 1`` for GHZ states.

    Parameters
    ----------
    states : array, shape (2**n,) or (B, 2**n)
        Normalised state vectors (qubit 0 is the most significant bit, as in PennyLane).

    Returns
    -------
    float for one state, ndarray of shape (B,) for a batch.

    Examples
    --------
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> round(float(meyer_wallach(bell)), 6)
    1.0
    >>> meyer_wallach(np.eye(4)).round(6).tolist()      # basis states are product states
    [0.0, 0.0, 0.0, 0.0]
    """
    single = np.ndim(qml.math.to_numpy(states)) == 1
    psi = _as_states(states)
    batch, dim = psi.shape
    n = _n_qubits_of(dim, "states")
    tensor = psi.reshape((batch,) + (2,) * n)
    purity = np.zeros(batch)
    for k in range(n):
        m = np.moveaxis(tensor, k + 1, 1).reshape(batch, 2, dim // 2)
        rho = m @ m.conj().transpose(0, 2, 1)  # (batch, 2, 2) reduced state of qubit k
        purity += np.sum(np.abs(rho) ** 2, axis=(1, 2))
    q = np.clip(2.0 * (1.0 - purity / n), 0.0, 1.0)
    return float(q[0]) if single else q


def entangling_capability(
    state_fn: StateFn,
    param_shape: Sequence[int] | int,
    n_samples: int = 1000,
    rng: RngLike = None,
) -> float:
    """Average Meyer--Wallach entanglement of a circuit's states over uniformly random angles.

    Examples
    --------
    >>> from qgan_helpers.quantum.circuits import patch_ansatz
    >>> round(entangling_capability(state_function(patch_ansatz, 1), (2, 1), n_samples=10, rng=0), 9)
    0.0
    """
    states = random_states(state_fn, param_shape, validation.positive_int("n_samples", n_samples), rng)
    return float(np.mean(meyer_wallach(states)))
