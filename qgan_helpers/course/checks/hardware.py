"""Exercises of the chapter "Running on hardware" (book/hardware.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pennylane as qml

from qgan_helpers.course.checks import as_array, expect, register

__all__: list[str] = []


def _ghz_reference(p: float, r: float) -> np.ndarray:
    dev = qml.device("default.mixed", wires=3)

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(wires=0)
        qml.DepolarizingChannel(p, wires=0)
        for a, b in ((0, 1), (1, 2)):
            qml.CNOT(wires=[a, b])
            qml.DepolarizingChannel(p, wires=a)
            qml.DepolarizingChannel(p, wires=b)
        for w in range(3):
            qml.BitFlip(r, wires=w)
        return qml.probs(wires=[0, 1, 2])

    return np.asarray(circuit())


@register(
    "ex-hardware-ghz",
    "A noisy three-qubit GHZ state on default.mixed",
    (
        "Follow the noisy Bell pair above: the same channels, one more qubit and one more CNOT. "
        "The QNode must run on default.mixed, the only one of the two simulators that takes channels.",
        "Gates in order: Hadamard on 0, CNOT 0-1, CNOT 1-2. After each gate a DepolarizingChannel(p) "
        "on every wire that gate touched (1 + 2 + 2 = 5 channels), then a BitFlip(r) on each of the "
        "three wires, and return qml.probs(wires=[0, 1, 2]).",
        "@qml.qnode(qml.device('default.mixed', wires=3)) def noisy_ghz(p, r): qml.Hadamard(0); "
        "qml.DepolarizingChannel(p, 0); for a, b in ((0, 1), (1, 2)): qml.CNOT([a, b]); "
        "qml.DepolarizingChannel(p, a); qml.DepolarizingChannel(p, b); then qml.BitFlip(r, w) for w in 0, 1, 2.",
    ),
    "noisy_ghz",
)
def _check_ghz(noisy_ghz: Any) -> None:
    expect(isinstance(noisy_ghz, qml.QNode),
           "noisy_ghz should be a QNode (decorate the function with @qml.qnode(dev)), so that its circuit can be read")
    expect(noisy_ghz.device.name == "default.mixed",
           f"run the QNode on default.mixed, the simulator of density matrices (got {noisy_ghz.device.name})")
    tape = qml.workflow.construct_tape(noisy_ghz)(0.02, 0.03)
    names = [op.name for op in tape.operations]
    gates = [(op.name, tuple(op.wires)) for op in tape.operations if op.name in ("Hadamard", "CNOT")]
    expect(gates == [("Hadamard", (0,)), ("CNOT", (0, 1)), ("CNOT", (1, 2))],
           f"the gates should be Hadamard on 0, CNOT on (0, 1), CNOT on (1, 2), in this order; got {gates}")
    expect(names.count("DepolarizingChannel") == 5,
           f"every gate should be followed by a DepolarizingChannel on each wire it touched: 1 + 2 + 2 = 5, "
           f"got {names.count('DepolarizingChannel')}")
    flips = sorted(w for op in tape.operations if op.name == "BitFlip" for w in op.wires)
    expect(flips == [0, 1, 2], f"a BitFlip before the measurement on each of the three wires, got them on {flips}")
    expect(names[-3:] == ["BitFlip"] * 3, "the bit flips imitate the readout: put them after every gate and channel")
    for p, r in ((0.0, 0.0), (0.02, 0.03), (0.1, 0.0), (0.0, 0.05)):
        got = as_array(noisy_ghz(p, r), f"noisy_ghz({p}, {r})")
        want = _ghz_reference(p, r)
        expect(got.shape == (8,), f"return the 8 probabilities of qml.probs(wires=[0, 1, 2]), got shape {got.shape}")
        expect(np.allclose(got, want, atol=1e-8),
               f"with p = {p} and r = {r} the probabilities should be {np.round(want, 4).tolist()}, "
               f"got {np.round(got, 4).tolist()}: does each channel use p (or r) and the right wire?")


def _layered(angles: np.ndarray, ring: bool) -> Any:
    from qiskit import QuantumCircuit

    depth, n = angles.shape
    qc = QuantumCircuit(n)
    for layer in angles:
        for q in range(n):
            qc.ry(float(layer[q]), q)
        for q in range(n - 1):
            qc.cz(q, q + 1)
        if ring:
            qc.cz(n - 1, 0)
    return qc


@register(
    "ex-hardware-transpile",
    "Transpile the ring for a device and count its two-qubit gates",
    (
        "Two steps: build the logical circuit as a Qiskit QuantumCircuit (RY on every qubit, then the "
        "CZ gates of the ring), then hand it to qiskit.transpile together with the backend.",
        "For each row of angles: qc.ry(angle, q) for q in 0..4, then qc.cz(q, q + 1) for q in 0..3 and "
        "qc.cz(4, 0) to close the ring. fake_backend(backend_name) gives the backend; do not add measurements.",
        "return transpile(qc, backend=fake_backend(backend_name), optimization_level=1, seed_transpiler=0). "
        "Count the two-qubit gates with sum(1 for inst in t.data if inst.operation.num_qubits == 2).",
    ),
    "transpile_ring",
)
def _check_transpile(transpile_ring: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator
    from qiskit_ibm_runtime import fake_provider

    expect(callable(transpile_ring), "transpile_ring should be a function of (angles, backend_name)")
    rng = np.random.default_rng(11)
    angles = rng.uniform(0, 2 * np.pi, size=(2, 5))
    for name in ("FakeManilaV2", "FakeQuitoV2"):
        out = transpile_ring(angles.copy(), name)
        expect(isinstance(out, QuantumCircuit), f"transpile_ring(angles, {name!r}) should return the transpiled "
               f"QuantumCircuit, got {type(out).__name__}")
        backend = getattr(fake_provider, name)()
        native = set(backend.target.operation_names)
        foreign = sorted({inst.operation.name for inst in out.data} - native - {"barrier"})
        expect(not foreign, f"on {name} only native gates run ({sorted(native & {'cx', 'rz', 'sx', 'x'})}); "
               f"the circuit still has {foreign}: transpile it for the backend")
        coupled = {tuple(pair) for pair in backend.coupling_map}
        two = [tuple(out.find_bit(q).index for q in inst.qubits) for inst in out.data if inst.operation.num_qubits == 2]
        uncoupled = sorted({pair for pair in two if pair not in coupled})
        expect(not uncoupled, f"on {name} two-qubit gates act on the uncoupled qubits {uncoupled}")
        expect(not any(inst.operation.name == "measure" for inst in out.data),
               "leave out the measurements: the check compares the circuit's unitary")
        ring = Operator(_layered(angles, ring=True))
        same = Operator.from_circuit(out).equiv(ring)
        chain = not same and Operator.from_circuit(out).equiv(Operator(_layered(angles, ring=False)))
        expect(not chain, "this is the chain: close the ring with a CZ between qubit 4 and qubit 0 in every layer")
        expect(same, f"on {name} the transpiled circuit does not implement the ring with these angles: RY(angles[l, q]) "
               "on qubit q, then CZ 0-1, 1-2, 2-3, 3-4 and 4-0, layer after layer")
        expect(len(two) > 2 * 5, f"{len(two)} two-qubit gates for 10 logical CZ on {name}? The ring cannot fit "
               "without SWAPs there")


@register(
    "ex-hardware-spsa",
    "One SPSA gradient estimate",
    (
        "SPSA needs a random direction and two evaluations of the cost, whatever the number of angles. "
        "The formula is in the section above.",
        "delta = rng.choice([-1.0, 1.0], size=len(theta)); evaluate cost(theta + c * delta) and "
        "cost(theta - c * delta), once each.",
        "return (cost(theta + c * delta) - cost(theta - c * delta)) / (2 * c) * delta",
    ),
    "spsa_gradient",
)
def _check_spsa(spsa_gradient: Any) -> None:
    expect(callable(spsa_gradient), "spsa_gradient should be a function of (cost, theta, c, rng)")
    a = np.array([0.5, -1.0, 2.0, 0.25, -0.75, 1.5])
    calls = []

    def linear(theta):
        calls.append(1)
        return float(a @ np.asarray(theta))

    theta = np.linspace(-1, 1, a.size)
    g = as_array(spsa_gradient(linear, theta.copy(), 0.1, np.random.default_rng(0)), "spsa_gradient(...)")
    expect(g.shape == theta.shape, f"the estimate should have one entry per angle, shape {theta.shape}, got {g.shape}")
    expect(len(calls) == 2, f"one estimate should evaluate the cost exactly twice, whatever the number of angles; "
           f"it did {len(calls)} times")
    # for a linear cost the estimate is (a . delta) delta: every entry has the same size
    size = np.abs(g)
    expect(np.allclose(size, size[0], atol=1e-9) and size[0] > 0,
           "for a linear cost every entry of the estimate should have the same size |a . delta|: shift all "
           "angles at once by +-c along one random direction of +-1 entries, and multiply by that direction")
    delta = np.sign(g) * np.sign(a @ np.sign(g))
    expect(abs(abs(a @ delta) - size[0]) < 1e-9, "the estimate should be (L(theta + c delta) - L(theta - c delta)) "
           "/ (2c) times delta")

    def quadratic(theta):
        return float(np.sum(np.asarray(theta) ** 2) + a @ np.asarray(theta))

    rng = np.random.default_rng(1)
    mean = np.mean([as_array(spsa_gradient(quadratic, theta.copy(), 0.05, rng), "spsa_gradient(...)")
                    for _ in range(4000)], axis=0)
    exact = 2 * theta + a
    expect(np.abs(mean - exact).max() < 0.25,
           f"averaged over 4000 random directions the estimate should approach the gradient "
           f"{np.round(exact, 2).tolist()}, got {np.round(mean, 2).tolist()}: draw a fresh direction from rng each call")
