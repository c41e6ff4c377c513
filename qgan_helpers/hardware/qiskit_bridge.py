"""The patch circuit in Qiskit: a parametrised ``QuantumCircuit`` built from the PennyLane tape.

PennyLane and Qiskit disagree on one convention: PennyLane's wire 0 is the *most* significant bit
of a basis-state index, Qiskit's qubit 0 the *least* significant one. :func:`tape_to_qiskit`
therefore puts PennyLane wire ``w`` on Qiskit qubit ``n - 1 - w``, so that the bitstrings Qiskit
reports, read as binary numbers, are PennyLane's basis-state indices.

The circuit is recorded once (the placeholder trick of
:class:`qgan_helpers.models.replay.TapeReplay`: each angle argument holds its own index), and every
rotation angle becomes an entry of a Qiskit ``ParameterVector``. One transpilation then serves
all circuits of a batch, which only differ in their angles (see :mod:`qgan_helpers.hardware.runner`).

Examples
--------
>>> from qgan_helpers.models import PatchQuantumGenerator
>>> gen = PatchQuantumGenerator(n_qubits=3, depth=2, n_generators=2, n_pixels=8)
>>> qc, theta = patch_circuit(gen)
>>> qc.num_qubits, len(theta), dict(qc.count_ops())["cz"]
(3, 9, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml
import torch

__all__ = [
    "GATE_NAMES",
    "tape_to_qiskit",
    "patch_circuit",
    "patch_angles",
    "qiskit_probabilities",
    "qasm_probabilities",
]

GATE_NAMES: dict[str, str] = {
    "RX": "rx", "RY": "ry", "RZ": "rz", "CZ": "cz", "CNOT": "cx", "Hadamard": "h",
    "PauliX": "x", "PauliY": "y", "PauliZ": "z", "SWAP": "swap", "S": "s", "T": "t",
}
"""PennyLane gate name -> Qiskit ``QuantumCircuit`` method, for :func:`tape_to_qiskit`."""


def _check_generator(generator: Any) -> Any:
    from qgan_helpers.models import PatchQuantumGenerator

    if not isinstance(generator, PatchQuantumGenerator):
        raise TypeError(f"generator: expected a PatchQuantumGenerator, got {type(generator).__name__}")
    if getattr(generator, "n_classes", 0):
        raise ValueError("generator: expected an unconditional PatchQuantumGenerator, got a conditional one")
    return generator


def tape_to_qiskit(tape: qml.tape.QuantumScript, n_wires: int, n_angles: int, measure: bool = True) -> tuple[Any, Any]:
    """Translate a placeholder tape into a parametrised Qiskit circuit.

    Parameters
    ----------
    tape : pennylane.tape.QuantumScript
        Every parametrised gate's angle is an integer placeholder ``k`` (the index into the angle
        vector), as recorded by :class:`qgan_helpers.models.replay.TapeReplay`.
    n_wires : int
        PennyLane wires ``0 .. n_wires - 1``; wire ``w`` goes to qubit ``n_wires - 1 - w``.
    n_angles : int
        Length of the angle vector (the size of the returned ``ParameterVector``).
    measure : bool
        Append ``measure_all()`` (for sampling); without it the circuit ends before measurement.

    Returns
    -------
    (qiskit.QuantumCircuit, qiskit.circuit.ParameterVector)

    Raises
    ------
    NotImplementedError
        For a gate without an entry in :data:`GATE_NAMES`.
    """
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    theta = ParameterVector("theta", n_angles)
    qc = QuantumCircuit(n_wires)
    for op in tape.operations:
        name = GATE_NAMES.get(op.name)
        if name is None:
            raise NotImplementedError(f"{op.name}: no Qiskit translation; supported gates are {sorted(GATE_NAMES)}")
        qubits = [n_wires - 1 - int(w) for w in op.wires]
        params = [theta[int(round(float(p)))] for p in op.parameters]
        getattr(qc, name)(*params, *qubits)
    if measure:
        qc.measure_all()
    return qc, theta


def patch_circuit(generator: Any, measure: bool = True) -> tuple[Any, Any]:
    """One sub-generator of a patch generator as a parametrised Qiskit circuit.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    measure : bool
        Append ``measure_all()``.

    Returns
    -------
    (qiskit.QuantumCircuit, qiskit.circuit.ParameterVector)
        The parameters are ``n_qubits`` noise angles followed by the ``depth * n_qubits`` weights
        (row-major), i.e. the rows of :func:`patch_angles`.
    """
    gen = _check_generator(generator)
    replay = gen.replay()
    return tape_to_qiskit(replay.tape, gen.n_qubits, replay.n_angles, measure=measure)


def patch_angles(generator: Any, noise: torch.Tensor) -> np.ndarray:
    """The angle vectors of all ``G * B`` circuits of a batch, one row per circuit.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    noise : torch.Tensor, shape (B, latent_dim)

    Returns
    -------
    numpy.ndarray, shape (G * B, encoding angles + n_qubits * depth)
        Row ``g * B + b`` belongs to sub-generator ``g`` and noise sample ``b``; the encoding
        angles come first (``n_qubits`` per noise block), as in the generator's recorded tape.
    """
    gen = _check_generator(generator)
    enc, w = gen.circuit_angles(noise)
    g, b = enc.shape[:2]
    angles = torch.cat([enc.reshape(g * b, -1), w.reshape(g * b, -1)], dim=1)
    return angles.detach().cpu().numpy().astype(np.float64)


def qiskit_probabilities(circuit: Any, parameters: Any, angles: Any) -> np.ndarray:
    """Exact probabilities of a parametrised Qiskit circuit (``Statevector``), in PennyLane's order.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        Without measurements (e.g. ``patch_circuit(gen, measure=False)[0]``).
    parameters : qiskit.circuit.ParameterVector
    angles : array, shape (n_angles,) or (N, n_angles)

    Returns
    -------
    numpy.ndarray, shape (2**n,) or (N, 2**n)
        With the bit order of :func:`tape_to_qiskit`, index ``i`` is PennyLane's basis state ``i``.
    """
    from qiskit.quantum_info import Statevector

    a = np.asarray(angles, dtype=float)
    if a.ndim not in (1, 2) or a.shape[-1] != len(parameters):
        raise ValueError(f"angles: expected shape ({len(parameters)},) or (N, {len(parameters)}), got {a.shape}")
    rows = a.reshape(-1, len(parameters))
    out = np.stack([
        Statevector(circuit.assign_parameters(dict(zip(parameters, row)))).probabilities() for row in rows
    ])
    return out[0] if a.ndim == 1 else out


def qasm_probabilities(generator: Any, noise: torch.Tensor, sub_generator: int = 0) -> tuple[str, np.ndarray]:
    """Export one circuit with :func:`pennylane.to_openqasm`, load it in Qiskit, return its probabilities.

    Parameters
    ----------
    generator : PatchQuantumGenerator
    noise : torch.Tensor, shape (latent_dim,)
        One noise vector (``(n_qubits,)`` for a generator with one noise encoding; with noise blocks
        it holds ``n_qubits`` angles per block).
    sub_generator : int

    Returns
    -------
    (str, numpy.ndarray of shape (2**n_qubits,))
        The OpenQASM 2 text and the probabilities Qiskit computes from it (PennyLane's order).
    """
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    gen = _check_generator(generator)
    if not isinstance(sub_generator, (int, np.integer)) or isinstance(sub_generator, bool) or not 0 <= sub_generator < gen.n_generators:
        raise ValueError(f"sub_generator: expected an integer in 0..{gen.n_generators - 1}, got {sub_generator!r}")
    if not isinstance(noise, torch.Tensor) or tuple(noise.shape) != (gen.latent_dim,):
        got = getattr(noise, 'shape', type(noise).__name__)
        raise ValueError(f"noise: expected a torch.Tensor of shape ({gen.latent_dim},), got {got}")
    dev = qml.device("default.qubit", wires=gen.n_qubits)
    with torch.no_grad():
        enc = gen.circuit_angles(noise.detach()[None])[0][sub_generator, 0].numpy()

    def circuit() -> Any:
        gen.queue_circuit(enc, gen.weights[sub_generator].detach().double().numpy())
        return qml.probs(wires=gen.wires)

    qasm = qml.to_openqasm(qml.QNode(circuit, dev), measure_all=False)()
    qc = QuantumCircuit.from_qasm_str(qasm)
    qc.remove_final_measurements()
    probs = Statevector(qc).probabilities()
    # OpenQASM keeps PennyLane's wire labels (q[0] = wire 0), so reverse Qiskit's little-endian order
    n = gen.n_qubits
    order = [int(format(i, f"0{n}b")[::-1], 2) for i in range(2**n)]
    return qasm, probs[order]
