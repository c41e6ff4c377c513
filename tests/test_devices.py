"""qgan_helpers.quantum.devices: the three simulators, shots on the QNode, memory estimates, timing."""

from __future__ import annotations

import doctest
import math
from types import SimpleNamespace

import numpy as np
import pennylane as qml
import pytest

from qgan_helpers.course.checks import exercise
from qgan_helpers.quantum import devices
from qgan_helpers.quantum.devices import (
    DEVICE_KIND,
    SUPPORTED_DEVICES,
    RegisterTooLargeError,
    _read_meminfo,
    available_memory_bytes,
    check_fits_in_memory,
    format_bytes,
    largest_register,
    make_device,
    make_qnode,
    memory_bytes,
    time_circuit,
)

# -- independent NumPy references -------------------------------------------------------------------
I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)


def ry(theta: float) -> np.ndarray:
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def bell_state_numpy(theta: float = np.pi / 2) -> np.ndarray:
    """CNOT (RY(theta) x I) |00>; theta = pi/2 gives the Bell state (|00> + |11>)/sqrt(2)."""
    psi = np.zeros(4, dtype=complex)
    psi[0] = 1
    return CNOT @ np.kron(ry(theta), I2) @ psi


def apply_channel(rho: np.ndarray, kraus: list[np.ndarray], wire: int) -> np.ndarray:
    """Apply a single-qubit channel (Kraus operators) to wire 0 or 1 of a 2-qubit density matrix."""
    ops = [np.kron(k, I2) if wire == 0 else np.kron(I2, k) for k in kraus]
    return sum(k @ rho @ k.conj().T for k in ops)


def bell_circuit(theta):
    qml.RY(theta, wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.probs(wires=[0, 1]), qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)), qml.expval(qml.PauliZ(0))


# -- the three devices ------------------------------------------------------------------------------
def test_supported_devices_and_their_kind():
    assert SUPPORTED_DEVICES == ("default.qubit", "lightning.qubit", "default.mixed")
    assert {DEVICE_KIND[d] for d in SUPPORTED_DEVICES} == {"statevector", "density"}
    assert DEVICE_KIND["default.mixed"] == "density"


@pytest.mark.parametrize("name", SUPPORTED_DEVICES)
@pytest.mark.parametrize("theta", [np.pi / 2, 0.7])
def test_each_device_runs_a_bell_circuit_like_numpy_and_pennylane(name, theta):
    dev = make_device(name, wires=2)
    assert dev.name == name and len(dev.wires) == 2
    probs, zz, z0 = qml.QNode(bell_circuit, dev)(theta)
    psi = bell_state_numpy(theta)
    expected_probs = np.abs(psi) ** 2
    np.testing.assert_allclose(probs, expected_probs, atol=1e-10)
    np.testing.assert_allclose(zz, np.real(psi.conj() @ np.kron(Z, Z) @ psi), atol=1e-10)
    np.testing.assert_allclose(z0, np.real(psi.conj() @ np.kron(Z, I2) @ psi), atol=1e-10)
    # and PennyLane's own reference device, built directly
    ref = qml.QNode(bell_circuit, qml.device("default.qubit", wires=2))(theta)
    np.testing.assert_allclose(probs, ref[0], atol=1e-10)
    if theta == np.pi / 2:
        np.testing.assert_allclose(probs, [0.5, 0, 0, 0.5], atol=1e-10)


def test_state_vector_matches_numpy():
    def state(theta):
        qml.RY(theta, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.state()

    got = make_qnode(state, wires=2, interface="numpy")(np.pi / 2)
    np.testing.assert_allclose(got, bell_state_numpy(), atol=1e-12)


@pytest.mark.parametrize("p_flip, p_depol", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.3), (0.2, 0.15)])
def test_default_mixed_with_noise_channels_matches_a_numpy_density_matrix(p_flip, p_depol):
    def noisy_bell():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.DepolarizingChannel(p_depol, wires=0)
        qml.BitFlip(p_flip, wires=1)
        return qml.density_matrix(wires=[0, 1]), qml.probs(wires=[0, 1])

    rho_pl, probs_pl = make_qnode(noisy_bell, device="default.mixed", wires=2, interface="numpy")()

    psi = bell_state_numpy()
    rho = np.outer(psi, psi.conj())
    depol = [np.sqrt(1 - p_depol) * I2] + [np.sqrt(p_depol / 3) * P for P in (X, Y, Z)]
    rho = apply_channel(rho, depol, wire=0)
    rho = apply_channel(rho, [np.sqrt(1 - p_flip) * I2, np.sqrt(p_flip) * X], wire=1)

    np.testing.assert_allclose(rho_pl, rho, atol=1e-12)
    np.testing.assert_allclose(probs_pl, np.real(np.diag(rho)), atol=1e-12)
    assert abs(np.trace(rho_pl) - 1) < 1e-12
    # the bit flip moves weight from |00>,|11> to |01>,|10>: P(01) + P(10) = p_flip + 2/3 p_depol - ...
    if p_flip == 0.1 and p_depol == 0:
        np.testing.assert_allclose(probs_pl, [0.45, 0.05, 0.05, 0.45], atol=1e-12)


def test_wire_labels_are_accepted():
    def bell():
        qml.Hadamard(wires="a")
        qml.CNOT(wires=["a", "b"])
        return qml.probs(wires=["a", "b"])

    dev = make_device("default.qubit", wires=["a", "b"])
    assert list(dev.wires) == ["a", "b"]
    np.testing.assert_allclose(qml.QNode(bell, dev)(), [0.5, 0, 0, 0.5], atol=1e-12)


def test_parameter_broadcasting_through_make_qnode():
    import torch

    def circuit(theta):
        qml.RY(theta, wires=0)
        return qml.expval(qml.PauliZ(0))

    angles = torch.linspace(0, np.pi, 9, dtype=torch.float64, requires_grad=True)
    qnode = make_qnode(circuit, diff_method="backprop")
    out = qnode(angles)
    assert tuple(out.shape) == (9,)
    np.testing.assert_allclose(out.detach().numpy(), np.cos(angles.detach().numpy()), atol=1e-12)
    out.sum().backward()  # gradients flow through the batch: d cos / d theta = -sin
    np.testing.assert_allclose(angles.grad.numpy(), -np.sin(angles.detach().numpy()), atol=1e-12)


# -- shots -----------------------------------------------------------------------------------------
def bell_samples():
    qml.Hadamard(wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.sample(wires=[0, 1])


@pytest.mark.parametrize("name", SUPPORTED_DEVICES)
def test_shots_give_samples_of_the_right_shape_and_frequencies(name):
    shots = 4000
    qnode = make_qnode(bell_samples, device=name, wires=2, shots=shots, interface="numpy", seed=11)
    assert not qnode.device.shots, "shots belong to the QNode, not the device"
    assert qnode.shots.total_shots == shots
    samples = np.asarray(qnode())
    assert samples.shape == (shots, 2)
    assert set(np.unique(samples)) <= {0, 1}
    np.testing.assert_array_equal(samples[:, 0], samples[:, 1])  # Bell: both bits always agree
    sigma = np.sqrt(0.25 / shots)
    assert abs(samples[:, 0].mean() - 0.5) < 4 * sigma


@pytest.mark.parametrize("name", SUPPORTED_DEVICES)
def test_shot_estimate_of_an_expectation_is_close_to_the_analytic_value(name):
    def circuit(theta):
        qml.RY(theta, wires=0)
        return qml.expval(qml.PauliZ(0))

    theta, shots = 1.1, 5000
    exact = make_qnode(circuit, device=name, interface="numpy")(theta)
    estimate = make_qnode(circuit, device=name, shots=shots, interface="numpy", seed=3)(theta)
    np.testing.assert_allclose(exact, np.cos(theta), atol=1e-12)
    sigma = np.sqrt((1 - np.cos(theta) ** 2) / shots)  # standard error of the mean of +-1 outcomes
    assert estimate != exact
    assert abs(estimate - exact) < 4 * sigma


def test_seeded_shots_are_reproducible():
    a = make_qnode(bell_samples, wires=2, shots=50, seed=5, interface="numpy")()
    b = make_qnode(bell_samples, wires=2, shots=50, seed=5, interface="numpy")()
    np.testing.assert_array_equal(a, b)
    np.random.seed(0)
    c = make_qnode(bell_samples, wires=2, shots=50, interface="numpy")()  # seed=None: NumPy's global generator
    np.random.seed(0)
    d = make_qnode(bell_samples, wires=2, shots=50, interface="numpy")()
    np.testing.assert_array_equal(c, d)


# -- memory ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8])
def test_memory_estimates_are_exact_for_small_registers(n):
    assert memory_bytes(n) == np.zeros(2**n, dtype=np.complex128).nbytes == 16 * 2**n
    assert memory_bytes(n, "density") == np.zeros((2**n, 2**n), dtype=np.complex128).nbytes
    assert memory_bytes(n, "statevector", dtype_bytes=8) == np.zeros(2**n, dtype=np.complex64).nbytes


def test_memory_estimates_match_what_the_simulators_return():
    def state():
        qml.Hadamard(wires=0)
        return qml.state()

    def dm():
        qml.Hadamard(wires=0)
        return qml.density_matrix(wires=[0, 1, 2])

    sv = make_qnode(state, wires=3, interface="numpy")()
    rho = make_qnode(dm, device="default.mixed", wires=3, interface="numpy")()
    assert sv.nbytes == memory_bytes(3) == 128
    assert rho.nbytes == memory_bytes(3, "density") == 1024


def test_largest_register_boundaries():
    for kind in ("statevector", "density"):
        for n in (1, 7, 20):
            need = memory_bytes(n, kind)
            assert largest_register(kind, memory=need, fraction=1.0) == n
            assert largest_register(kind, memory=need - 1, fraction=1.0) == n - 1
            assert largest_register(kind, memory=2 * need, fraction=0.5) == n
    assert largest_register("statevector", memory=16 * 2**30, fraction=1.0) == 30
    assert largest_register("density", memory=16 * 2**30, fraction=1.0) == 15
    assert largest_register("statevector", memory=10, fraction=1.0) == 0  # not even one amplitude
    here = largest_register("statevector")
    assert memory_bytes(here) <= available_memory_bytes() and here >= 10


def test_available_memory_reads_proc_meminfo(tmp_path):
    fake = tmp_path / "meminfo"
    fake.write_text("MemTotal:       1000 kB\nMemFree:         500 kB\nMemAvailable:    800 kB\n")
    assert _read_meminfo(fake) == 800 * 1024
    fake.write_text("MemTotal:       1000 kB\n")
    assert _read_meminfo(fake) is None
    assert _read_meminfo(tmp_path / "missing") is None
    assert available_memory_bytes() > 0


def test_check_fits_in_memory_returns_the_bytes_it_needs():
    assert check_fits_in_memory(10, "density", memory=2**30) == 16 * 4**10
    assert check_fits_in_memory(3) == 128
    with pytest.raises(RegisterTooLargeError, match="at most 25 qubits fit"):
        check_fits_in_memory(26, memory=2**30)  # 1 GiB, half of it usable: 2**25 amplitudes


def test_format_bytes():
    assert format_bytes(100) == "100 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(memory_bytes(40)) == "16.0 TiB"


def test_memory_check_can_be_switched_off():
    dev = make_device("default.qubit", wires=40, check_memory=False)  # default.qubit allocates lazily
    assert len(dev.wires) == 40


# -- bad inputs ------------------------------------------------------------------------------------
def test_unknown_device_name_lists_the_supported_ones():
    with pytest.raises(ValueError, match=r"name: expected one of 'default.qubit', 'lightning.qubit', 'default.mixed'"):
        make_device("default.qubits", wires=2)
    with pytest.raises(ValueError, match="got 'lightning.gpu'"):
        make_qnode(bell_samples, device="lightning.gpu", wires=2)


@pytest.mark.parametrize(
    "wires, message",
    [
        (0, "wires: expected an integer >= 1, got 0"),
        (-3, "wires: expected an integer >= 1, got -3"),
        (2.5, "wires: expected a positive integer or a sequence of wire labels, got 2.5 of type float"),
        (True, "wires: expected a positive integer or a sequence of wire labels, got True"),
        ("ab", "wires: expected a positive integer or a sequence of wire labels, got 'ab'"),
        ([], "wires: expected at least one wire, got an empty sequence"),
        ([0, 0], r"wires: expected distinct wire labels, got \[0, 0\]"),
    ],
)
def test_bad_wires(wires, message):
    with pytest.raises(ValueError, match=message):
        make_device("default.qubit", wires=wires)


@pytest.mark.parametrize(
    "shots, message",
    [
        (0, r"shots: expected a positive integer \(or None for exact results\), got 0"),
        (-10, "got -10"),
        (2.5, "got 2.5 of type float"),
        (True, "got True of type bool"),
        ("100", "got '100' of type str"),
    ],
)
def test_bad_shots(shots, message):
    with pytest.raises(ValueError, match=message):
        make_qnode(bell_samples, wires=2, shots=shots)


def test_bad_circuit_is_a_type_error():
    with pytest.raises(TypeError, match="circuit: expected a quantum function"):
        make_qnode("not a circuit", wires=2)


@pytest.mark.parametrize("kind", ["dense", "state_vector", None])
def test_bad_kind(kind):
    with pytest.raises(ValueError, match=r"kind: expected one of 'statevector', 'density', got"):
        memory_bytes(3, kind)
    with pytest.raises(ValueError, match="kind: expected one of"):
        largest_register(kind)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: memory_bytes(-1), "n_qubits: expected an integer >= 0, got -1"),
        (lambda: memory_bytes(1.5), r"n_qubits: expected an integer >= 0, got 1.5 \(float\)"),
        (lambda: memory_bytes(3, dtype_bytes=0), "dtype_bytes: expected an integer >= 1, got 0"),
        (lambda: largest_register(fraction=0), r"fraction: expected a number in \(0, 1\], got 0"),
        (lambda: largest_register(fraction=1.5), r"fraction: expected a number in \(0, 1\], got 1.5"),
        (lambda: largest_register(memory=-1), "memory: expected a positive number of bytes"),
        (lambda: make_device("default.qubit", 2, seed=-1), "seed: expected an integer >= 0, got -1"),
        (lambda: time_circuit("default.qubit", 0), "n_qubits: expected an integer >= 1, got 0"),
        (lambda: time_circuit("default.qubit", 2, max_seconds=0), "max_seconds: expected a number > 0"),
        (lambda: time_circuit("qiskit.aer", 2), "name: expected one of"),
    ],
)
def test_other_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_40_qubit_state_vector_is_too_large():
    with pytest.raises(RegisterTooLargeError) as info:
        make_device("default.qubit", wires=40)
    msg = str(info.value)
    assert isinstance(info.value, MemoryError)
    assert msg.startswith("wires: a 40-qubit state-vector simulation (default.qubit) needs 16.0 TiB")
    assert "17592186044416 bytes" in msg and "for one state vector" in msg and "available" in msg
    with pytest.raises(RegisterTooLargeError, match=r"state-vector simulation \(lightning.qubit\)"):
        make_device("lightning.qubit", wires=40)


def test_a_20_qubit_density_matrix_is_too_large():
    with pytest.raises(RegisterTooLargeError, match=r"20-qubit density-matrix simulation \(default.mixed\) needs"):
        make_device("default.mixed", wires=20)
    with pytest.raises(MemoryError, match="for one density matrix"):
        make_qnode(bell_samples, device="default.mixed", wires=20)


# -- timing ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SUPPORTED_DEVICES)
def test_time_circuit_returns_a_positive_duration(name):
    t = time_circuit(name, 3, layers=2, repeats=2)
    assert isinstance(t, float) and math.isfinite(t) and t > 0  # no upper bound: a loaded machine is slow


def test_time_circuit_stops_repeating_after_max_seconds(monkeypatch):
    # A fake clock inside qgan_helpers.quantum.devices: every circuit run "takes" 1 s whatever the machine's
    # load, so the number of runs depends only on max_seconds and repeats.
    calls = []
    now = [0.0]
    real = devices.make_qnode

    def counting_make_qnode(*args, **kwargs):
        qnode = real(*args, **kwargs)

        def run(*a):
            calls.append(1)
            now[0] += 1.0
            return qnode(*a)

        return run

    monkeypatch.setattr(devices, "make_qnode", counting_make_qnode)
    monkeypatch.setattr(devices, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    assert time_circuit("default.qubit", 2, repeats=5, max_seconds=1e-9) == 1.0
    assert len(calls) == 1
    calls.clear()
    assert time_circuit("default.qubit", 2, repeats=5, max_seconds=2.5) == 1.0  # 1 s, 2 s, 3 s >= 2.5: stop
    assert len(calls) == 3
    calls.clear()
    assert time_circuit("default.qubit", 2, repeats=5, max_seconds=60) == 1.0
    assert len(calls) == 5


def test_docstring_examples_run():
    result = doctest.testmod(devices, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


# -- the chapter's exercise checkers give useful reasons ---------------------------------------------
def test_broadcast_check_rejects_a_python_loop():
    def looped(angles, dev):
        @qml.qnode(dev)
        def c(t):
            qml.RY(t, wires=0)
            return qml.expval(qml.PauliZ(0))

        return np.array([c(a) for a in angles])

    r = exercise("ex-devices-broadcast").check(looped, verbose=False)
    assert r.status == "not yet" and "called 7 times" in r.reason

    def own_device(angles, dev):
        return make_qnode(lambda t: (qml.RY(t, wires=0), qml.expval(qml.PauliZ(0)))[1], interface="numpy")(angles)

    r = exercise("ex-devices-broadcast").check(own_device, verbose=False)
    assert r.status == "not yet" and "device `dev` passed in" in r.reason


def test_other_checkers_explain_common_mistakes():
    r = exercise("ex-devices-density-memory").check(lambda n: 16 * 2**n, verbose=False)
    assert r.status == "not yet" and "state vector" in r.reason
    r = exercise("ex-devices-shots-expval").check(lambda b: float(np.mean(b)), verbose=False)
    assert r.status == "not yet" and "fraction of 1s" in r.reason

    def shots_bell():
        def c():
            qml.Hadamard(0)
            qml.CNOT(wires=[0, 1])
            return qml.probs(wires=[0, 1])

        return make_qnode(c, wires=2, shots=500, seed=0, interface="numpy")()

    r = exercise("ex-devices-bell").check(shots_bell, verbose=False)
    assert r.status == "not yet" and "shots=None" in r.reason
