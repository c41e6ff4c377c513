"""What a circuit becomes on a device: transpilation to a coupling map and basis gates, summarised.

A device runs only its *basis gates* (IBM's five-qubit Falcon devices: ``rz``, ``sx``, ``x``, ``cx``)
and only between *coupled* qubits. The Qiskit transpiler rewrites a circuit accordingly: every ``RY``
becomes ``rz``/``sx`` pulses, every ``CZ`` a ``cx`` with single-qubit gates around it, and a gate
between two uncoupled qubits needs SWAPs (three ``cx`` each). :func:`transpile_summary` reports
the result; :func:`entangler_table` compares the patch circuit's CZ *chain* with a CZ *ring* (the
chain plus a CZ between the last and the first wire) on some fake backends.

Examples
--------
>>> qc = entangler_circuit(3, 1, "ring")
>>> dict(qc.count_ops())["cz"]
3
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers import validation
from qgan_helpers.quantum.circuits import as_wires, patch_ansatz, patch_layer

__all__ = ["ENTANGLERS", "ring_patch_ansatz", "entangler_circuit", "transpile_summary", "entangler_table"]

ENTANGLERS: tuple[str, ...] = ("chain", "ring")
"""Entanglers :func:`entangler_circuit` knows: the patch circuit's CZ chain, and the chain closed into a ring."""


def ring_patch_ansatz(weights: Any, wires: Any) -> None:
    """Like :func:`qgan_helpers.quantum.circuits.patch_ansatz`, with each layer's CZ chain closed into a ring.

    Parameters
    ----------
    weights : array, shape (depth, n_wires)
    wires : int or sequence (at least 3 wires, otherwise a ring is a chain)
    """
    wires = as_wires(wires)
    if len(wires) < 3:
        raise ValueError(f"wires: expected at least 3 wires for a ring (with 2 it is the chain), got {len(wires)}")
    for layer in range(np.shape(weights)[-2]):
        patch_layer(weights[..., layer, :], wires)
        qml.CZ(wires=[wires[-1], wires[0]])


def entangler_circuit(n_qubits: int = 5, depth: int = 8, entangler: str = "chain", measure: bool = True) -> Any:
    """The patch circuit (angle encoding + ``depth`` layers) with a chain or ring entangler, as a parametrised Qiskit circuit.

    Returns
    -------
    qiskit.QuantumCircuit
    """
    from qgan_helpers.hardware.qiskit_bridge import tape_to_qiskit
    from qgan_helpers.quantum.circuits import angle_encoding

    n_qubits, depth = validation.positive_int("n_qubits", n_qubits), validation.positive_int("depth", depth)
    if entangler not in ENTANGLERS:
        raise ValueError(f"entangler: expected one of {list(ENTANGLERS)}, got {entangler!r}")
    ansatz = patch_ansatz if entangler == "chain" else ring_patch_ansatz
    n_angles = n_qubits * (depth + 1)
    index = np.arange(n_angles, dtype=float)

    def queue(z: Any, w: Any) -> None:
        angle_encoding(z, n_qubits, rotation="Y")
        ansatz(w, n_qubits)

    tape = qml.tape.make_qscript(queue)(index[:n_qubits], index[n_qubits:].reshape(depth, n_qubits))
    return tape_to_qiskit(tape, n_qubits, n_angles, measure=measure)[0]


def transpile_summary(circuit: Any, backend: Any, optimization_level: int = 1, seed: int = 0) -> dict[str, Any]:
    """Transpile ``circuit`` for ``backend`` and count what came out.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
    backend : str or qiskit backend
        A fake backend name such as ``"FakeManilaV2"`` or a backend object.
    optimization_level : int
        0..3.
    seed : int
        ``seed_transpiler`` (layout and routing are randomised).

    Returns
    -------
    dict
        ``depth`` (of the transpiled circuit, measurements excluded), ``two_qubit`` (gates acting on
        two qubits), ``one_qubit``, ``ops`` (counts by name), ``duration_us`` (estimated schedule
        length), ``layout`` (physical qubit of each logical qubit), ``circuit`` (the transpiled circuit).
    """
    from qiskit import transpile

    from qgan_helpers.hardware.noise import fake_backend

    if isinstance(backend, str):
        backend = fake_backend(backend)
    if optimization_level not in (0, 1, 2, 3):
        raise ValueError(f"optimization_level: expected 0, 1, 2 or 3, got {optimization_level!r}")
    tq = transpile(circuit, backend, optimization_level=int(optimization_level), seed_transpiler=int(seed))
    gates = [inst for inst in tq.data if inst.operation.name not in ("measure", "barrier", "delay")]
    two = sum(1 for inst in gates if inst.operation.num_qubits == 2)
    one = sum(1 for inst in gates if inst.operation.num_qubits == 1)
    try:
        duration = float(tq.estimate_duration(backend.target, unit="s")) * 1e6
    except Exception:  # a target without gate durations
        duration = float("nan")
    layout = list(tq.layout.final_index_layout()) if tq.layout is not None else list(range(circuit.num_qubits))
    return {
        "depth": int(tq.depth(filter_function=lambda inst: inst.operation.name not in ("measure", "barrier"))),
        "two_qubit": int(two),
        "one_qubit": int(one),
        "ops": {k: int(v) for k, v in tq.count_ops().items()},
        "duration_us": duration,
        "layout": layout,
        "circuit": tq,
    }


def entangler_table(backends: Any = ("FakeManilaV2", "FakeQuitoV2"), n_qubits: int = 5, depth: int = 8,
                    optimization_level: int = 1, seed: int = 0) -> list[dict[str, Any]]:
    """Chain vs ring entangler on each backend: one row per (backend, entangler).

    Returns
    -------
    list of dict
        Keys ``backend``, ``entangler``, ``logical_cz`` (CZ gates before transpilation),
        ``depth``, ``two_qubit``, ``duration_us``.

    Examples
    --------
    >>> rows = entangler_table(["FakeManilaV2"], n_qubits=3, depth=1)
    >>> [(r["entangler"], r["logical_cz"]) for r in rows]
    [('chain', 2), ('ring', 3)]
    """
    if isinstance(backends, str):
        backends = [backends]
    rows = []
    for name in backends:
        for ent in ENTANGLERS:
            qc = entangler_circuit(n_qubits, depth, ent)
            s = transpile_summary(qc, name, optimization_level, seed)
            rows.append({
                "backend": name if isinstance(name, str) else getattr(name, "name", str(name)),
                "entangler": ent,
                "logical_cz": int(qc.count_ops().get("cz", 0)),
                "depth": s["depth"],
                "two_qubit": s["two_qubit"],
                "duration_us": s["duration_us"],
            })
    return rows
