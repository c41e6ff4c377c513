"""Noise models: simple channels for ``default.mixed`` and the calibrated noise of IBM fake backends.

Two kinds of noisy device appear in the course:

* :class:`DepolarizingNoise` -- a hand-made model with three knobs: a depolarizing channel after
  every one-qubit gate (strength ``p1``), one on each wire of every two-qubit gate (``p2``), and a
  bit flip before measurement (``readout``). :meth:`DepolarizingNoise.pennylane_model` gives it as a
  :class:`pennylane.NoiseModel` for ``default.mixed`` (via :func:`pennylane.add_noise`), and
  :meth:`DepolarizingNoise.qiskit_model` as the *same* channels for Qiskit Aer (the tests check
  that both give the same probabilities), which simulates thousands of circuits much faster.
* IBM fake backends (:func:`fake_backend`): ``qiskit_ibm_runtime.fake_provider`` ships the
  calibration snapshots of retired IBM devices (coupling map, basis gates, T1/T2, gate and readout
  errors). :func:`fake_backend_device` turns one into a PennyLane ``qiskit.aer`` device whose
  circuits are transpiled to the backend and simulated with its noise.

Conventions: PennyLane's ``DepolarizingChannel(p)`` maps
:math:`\\rho \\mapsto (1 - p)\\rho + \\tfrac{p}{3}(X\\rho X + Y\\rho Y + Z\\rho Z)`; Qiskit's
``depolarizing_error(lam, 1)`` maps :math:`\\rho \\mapsto (1 - \\lambda)\\rho + \\lambda I/2`.
They agree for :math:`\\lambda = 4p/3`.

Examples
--------
>>> noise = DepolarizingNoise(p1=0.01, p2=0.03, readout=0.02)
>>> noise.label
'depolarizing p1=0.01, p2=0.03, readout=0.02'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation

__all__ = [
    "CI_BACKENDS",
    "DepolarizingNoise",
    "fake_backend_names",
    "fake_backend",
    "fake_backend_device",
    "mixed_qnode",
]

PL_ONE_QUBIT_GATES: tuple[str, ...] = ("RX", "RY", "RZ", "Hadamard", "PauliX", "PauliY", "PauliZ", "S", "T")
"""PennyLane gates that :meth:`DepolarizingNoise.pennylane_model` follows by ``DepolarizingChannel(p1)``."""
PL_TWO_QUBIT_GATES: tuple[str, ...] = ("CZ", "CNOT", "SWAP")
"""PennyLane gates that :meth:`DepolarizingNoise.pennylane_model` follows by ``DepolarizingChannel(p2)`` per wire."""

CI_BACKENDS: tuple[str, ...] = ("FakeManilaV2", "FakeLimaV2", "FakeQuitoV2", "FakeBelemV2")
"""Five-qubit fake backends: fast enough for the page and the tests (127-qubit ones are slow)."""


@dataclass(frozen=True)
class DepolarizingNoise:
    """Depolarizing gate noise and symmetric readout errors.

    Parameters
    ----------
    p1 : float
        ``DepolarizingChannel(p1)`` after every one-qubit gate, in ``[0, 0.75]`` (0.75 = fully mixing).
    p2 : float, optional
        ``DepolarizingChannel(p2)`` on *each* wire after every two-qubit gate; default ``p1``.
    readout : float
        Probability that a measured bit flips, in ``[0, 0.5]``.

    Examples
    --------
    >>> DepolarizingNoise(0.02).p2
    0.02
    """

    p1: float = 0.0
    p2: float | None = None
    readout: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "p1", validation.probability("p1", self.p1, high=0.75))
        object.__setattr__(self, "p2", self.p1 if self.p2 is None else validation.probability("p2", self.p2, high=0.75))
        object.__setattr__(self, "readout", validation.probability("readout", self.readout, high=0.5))

    @property
    def label(self) -> str:
        """A short description for tables and plot titles."""
        return f"depolarizing p1={self.p1:g}, p2={self.p2:g}, readout={self.readout:g}"

    def pennylane_model(self) -> qml.NoiseModel:
        """The gate noise as a :class:`pennylane.NoiseModel` (readout: see :meth:`queue_readout`).

        One-qubit gates get ``DepolarizingChannel(p1)``; two-qubit gates get
        ``DepolarizingChannel(p2)`` on each of their wires.
        """
        p1, p2 = self.p1, self.p2

        def after_1q(op: Any, **kwargs: Any) -> None:
            qml.DepolarizingChannel(p1, wires=op.wires[0])

        def after_2q(op: Any, **kwargs: Any) -> None:
            for w in op.wires:
                qml.DepolarizingChannel(p2, wires=w)

        one = qml.noise.op_in(list(PL_ONE_QUBIT_GATES))
        two = qml.noise.op_in(list(PL_TWO_QUBIT_GATES))
        return qml.NoiseModel({one: after_1q, two: after_2q})

    def queue_readout(self, wires: Any) -> None:
        """Queue ``BitFlip(readout)`` on every wire (call it just before the measurement)."""
        for w in wires:
            qml.BitFlip(self.readout, wires=w)

    def qiskit_model(self, one_qubit_gates: tuple[str, ...] = ("rx", "ry", "rz", "h", "x", "y", "z", "s", "t"),
                     two_qubit_gates: tuple[str, ...] = ("cz", "cx", "swap")) -> Any:
        """The same channels as a ``qiskit_aer.noise.NoiseModel`` (readout included).

        Returns
        -------
        qiskit_aer.noise.NoiseModel
        """
        from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

        model = NoiseModel(basis_gates=list(one_qubit_gates) + list(two_qubit_gates))
        if self.p1 > 0:
            model.add_all_qubit_quantum_error(depolarizing_error(4 * self.p1 / 3, 1), list(one_qubit_gates))
        if self.p2 > 0:
            e = depolarizing_error(4 * self.p2 / 3, 1)
            model.add_all_qubit_quantum_error(e.tensor(e), list(two_qubit_gates))
        if self.readout > 0:
            r = self.readout
            model.add_all_qubit_readout_error(ReadoutError([[1 - r, r], [r, 1 - r]]))
        return model


def mixed_qnode(generator: Any, noise: DepolarizingNoise, sub_generator: int = 0) -> qml.QNode:
    """One sub-generator of a patch generator on ``default.mixed`` with ``noise``: ``(noise_angles) -> probs``.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    noise : DepolarizingNoise
    sub_generator : int

    Returns
    -------
    pennylane.QNode
        Takes one noise vector of shape ``(latent_dim,)`` (``(n_qubits,)`` for a generator with one
        noise encoding; with noise blocks or input scaling it is turned into the encoding angles of
        every block by :meth:`~qgan_helpers.models.patch.PatchQuantumGenerator.circuit_angles`) and
        returns the ``2**n_qubits`` probabilities.

    Examples
    --------
    >>> from qgan_helpers.models import PatchQuantumGenerator
    >>> gen = PatchQuantumGenerator(n_qubits=2, n_ancillas=0, depth=1, n_generators=1, n_pixels=4)
    >>> qnode = mixed_qnode(gen, DepolarizingNoise(0.75, readout=0.5))
    >>> qnode(np.zeros(2)).round(6).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    from qgan_helpers.hardware.qiskit_bridge import _check_generator
    from qgan_helpers.quantum.devices import make_device

    gen = _check_generator(generator)
    if not isinstance(noise, DepolarizingNoise):
        raise TypeError(f"noise: expected a DepolarizingNoise, got {type(noise).__name__}")
    if isinstance(sub_generator, bool) or not isinstance(sub_generator, (int, np.integer)) or not 0 <= sub_generator < gen.n_generators:
        raise ValueError(f"sub_generator: expected an integer in 0..{gen.n_generators - 1}, got {sub_generator!r}")
    weights = gen.weights[sub_generator].detach().double().numpy()
    dev = make_device("default.mixed", gen.n_qubits)

    def encoding(z: Any) -> np.ndarray:  # (latent_dim,) -> this sub-generator's angles, shape encoding_shape
        import torch

        with torch.no_grad():
            enc, _ = gen.circuit_angles(torch.as_tensor(np.asarray(z, dtype=np.float64))[None])
        return enc[sub_generator, 0].numpy()

    def circuit(z: Any) -> Any:
        gen.queue_circuit(encoding(z), weights)
        return qml.probs(wires=gen.wires)

    noisy = qml.add_noise(qml.QNode(circuit, dev, interface="numpy", diff_method=None), noise.pennylane_model())

    def with_readout(z: Any) -> Any:
        gen.queue_circuit(encoding(z), weights)
        noise.queue_readout(gen.wires)
        return qml.probs(wires=gen.wires)

    if noise.readout == 0:
        return noisy
    # BitFlip channels are not gates, so the noise model leaves them alone
    return qml.add_noise(qml.QNode(with_readout, dev, interface="numpy", diff_method=None), noise.pennylane_model())


def fake_backend_names() -> list[str]:
    """Names of the ``FakeXxxV2`` backends in ``qiskit_ibm_runtime.fake_provider``."""
    from qiskit_ibm_runtime import fake_provider

    return sorted(n for n in dir(fake_provider) if n.startswith("Fake") and n.endswith("V2") and n != "FakeProviderForBackendV2")


def fake_backend(name: str = "FakeManilaV2") -> Any:
    """An IBM fake backend by class name, e.g. ``"FakeManilaV2"`` (offline: calibration data ships in the package).

    Raises
    ------
    ValueError
        If no such fake backend exists (the message lists the five-qubit ones).
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a fake backend class name such as 'FakeManilaV2', got {type(name).__name__}")
    from qiskit_ibm_runtime import fake_provider

    names = fake_backend_names()
    if name not in names:
        raise ValueError(f"name: expected a fake backend such as {list(CI_BACKENDS)} (all: {len(names)} in "
                         f"qiskit_ibm_runtime.fake_provider), got {name!r}")
    return getattr(fake_provider, name)()


def fake_backend_device(name: str = "FakeManilaV2", wires: int = 5, *, seed: int = 0, optimization_level: int = 1) -> Any:
    """A PennyLane ``qiskit.aer`` device with the noise and the transpilation of an IBM fake backend.

    Parameters
    ----------
    name : str
        A fake backend class name (:data:`CI_BACKENDS` are five-qubit ones).
    wires : int
        At most the backend's number of qubits.
    seed : int
        Seeds the simulator and the transpiler.
    optimization_level : int
        Qiskit transpiler level, 0..3.

    Returns
    -------
    pennylane.devices.Device
        Use it in a ``QNode`` with shots set on the QNode (``qml.set_shots(qnode, shots=1000)``): a
        noisy backend samples. Each circuit is transpiled to the backend's coupling map and basis
        gates, then simulated with its noise model.

    Examples
    --------
    >>> dev = fake_backend_device("FakeManilaV2", wires=2)
    >>> dev.num_wires
    2
    """
    from qiskit_aer.noise import NoiseModel

    backend = fake_backend(name)
    if isinstance(wires, bool) or not isinstance(wires, (int, np.integer)) or not 1 <= wires <= backend.num_qubits:
        raise ValueError(f"wires: expected an integer in 1..{backend.num_qubits} for {name}, got {wires!r}")
    seed = validation.seed(seed)
    if optimization_level not in (0, 1, 2, 3):
        raise ValueError(f"optimization_level: expected 0, 1, 2 or 3, got {optimization_level!r}")
    return qml.device(
        "qiskit.aer", wires=int(wires), noise_model=NoiseModel.from_backend(backend), compile_backend=backend,
        seed_simulator=int(seed), seed_transpiler=int(seed), optimization_level=int(optimization_level),
    )
