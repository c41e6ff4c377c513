"""The exercise-checker framework and every exercise of the course."""

from __future__ import annotations

import pytest

from qgan_helpers.course.checks import CheckResult, Exercise, all_exercises, exercise, expect, is_stub, register


@register("ex-demo-double", "Double a number", "Multiply by two.", "double")
def _check_double(double):
    expect(callable(double), "double should be a function")
    expect(double(2) == 4, f"double(2) should be 4, got {double(2)!r}")


def test_stub_detection():
    def stub(a, b=1):
        """Docstring only."""
        ...

    def stub_pass():
        pass

    def real(x):
        return x

    assert is_stub(...) and is_stub(stub) and is_stub(stub_pass)
    assert not is_stub(real) and not is_stub(None) and not is_stub(3)


def test_verdicts(capsys):
    ex = exercise("ex-demo-double")

    def stub(x):
        ...

    assert ex.check(stub).status == "not attempted"
    assert "not attempted" in capsys.readouterr().out
    assert ex.check(lambda x: 2 * x).status == "correct"
    r = ex.check(lambda x: x + 1)
    assert r.status == "not yet" and "should be 4" in r.reason and not r


def test_a_notebook_shows_the_verdict_once(capsys):
    ex = exercise("ex-demo-double")
    result = ex.check(lambda x: 2 * x)  # prints the verdict ...
    result._ipython_display_()  # ... so displaying the returned value adds nothing
    assert capsys.readouterr().out.count("correct") == 1
    quiet = ex.check(lambda x: 2 * x, verbose=False)
    quiet._ipython_display_()
    assert capsys.readouterr().out.strip() == "[ex-demo-double] correct"


def test_a_check_never_raises_into_the_notebook():
    ex = exercise("ex-demo-double")

    def explodes(x):
        raise RuntimeError("boom")

    r = ex.check(explodes, verbose=False)
    assert r.status == "not yet"
    assert "RuntimeError: boom" in r.reason
    assert ex.check(object(), verbose=False).status == "not yet"


def test_unknown_label_names_the_known_ones():
    with pytest.raises(KeyError, match="label: no exercise called 'ex-nope'"):
        exercise("ex-nope")


def test_result_string():
    assert str(CheckResult("ex-a", "not yet", "why")) == "[ex-a] not yet: why"
    assert str(CheckResult("ex-a", "correct")) == "[ex-a] correct"


EXERCISES = all_exercises()


def test_each_chapter_has_at_least_three_exercises():
    chapters: dict[str, int] = {}
    for ex in EXERCISES:
        chapter = ex.label.split("-")[1]
        chapters[chapter] = chapters.get(chapter, 0) + 1
    assert chapters, "no exercises registered"
    assert all(n >= 3 for n in chapters.values()), chapters


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.label)
def test_reference_solution_is_correct_and_stub_is_not_attempted(ex: Exercise, capsys):
    assert all(h.strip() for h in ex.hints), "every exercise needs a hint"
    assert ex.solution_path.exists(), f"missing solution file {ex.solution_path.name}"
    assert ex.check(ex.load_solution(), verbose=False).status == "correct"
    assert ex.check(..., verbose=False).status == "not attempted"
    ex.solution()
    assert ex.answer_name in capsys.readouterr().out


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.label)
def test_wrong_answers_are_not_yet(ex: Exercise):
    for wrong in (None, 0, "nonsense", lambda *a, **k: None, lambda *a, **k: 0.123):
        assert ex.check(wrong, verbose=False).status == "not yet"


# -- checks of circuit exercises look at what was built: a hard-coded answer fails ------------------------
def _bell_qnode(*gates, device="default.qubit"):
    import pennylane as qml

    from qgan_helpers.quantum.devices import make_qnode

    def circuit():
        for gate in gates:
            gate()
        return qml.probs(wires=[0, 1])

    return make_qnode(circuit, device=device, wires=2, interface="numpy")


def test_bell_check_refuses_hard_coded_probabilities_and_circuits_that_are_not_bell():
    import numpy as np
    import pennylane as qml

    bell = exercise("ex-devices-bell")
    hard_coded = bell.check(lambda: np.array([0.5, 0.0, 0.0, 0.5]), verbose=False)
    assert hard_coded.status == "not yet" and "without running a circuit" in hard_coded.reason

    def ran_something_else():  # runs a circuit, but returns numbers typed in
        _bell_qnode(lambda: qml.Hadamard(0))()
        return np.array([0.5, 0.0, 0.0, 0.5])

    r = bell.check(ran_something_else, verbose=False)
    assert r.status == "not yet" and "two-qubit gate" in r.reason

    def typed_in_after_a_bell_circuit():
        _bell_qnode(lambda: qml.Hadamard(0), lambda: qml.CNOT([0, 1]), lambda: qml.PauliX(1))()
        return np.array([0.5, 0.0, 0.0, 0.5])

    r = bell.check(typed_in_after_a_bell_circuit, verbose=False)
    assert r.status == "not yet" and "not what your circuit measures" in r.reason

    state = np.array([1.0, 0.0, 0.0, 1.0]) / np.sqrt(2)
    r = bell.check(lambda: _bell_qnode(lambda: qml.StatePrep(state, wires=[0, 1]))(), verbose=False)
    assert r.status == "not yet" and "StatePrep" in r.reason

    # the Bell probabilities from |00>, but not the Hadamard-then-CNOT circuit: a SWAP first
    # changes nothing on |00>, everything on |01>
    odd = _bell_qnode(lambda: qml.SWAP([0, 1]), lambda: qml.Hadamard(0), lambda: qml.CNOT([0, 1]))
    r = bell.check(odd, verbose=False)
    assert r.status == "not yet" and "from |01>" in r.reason
    # any device, and an equivalent first gate, pass: the check runs the recorded gates itself
    for device in ("default.mixed", "lightning.qubit"):
        good = _bell_qnode(lambda: qml.RY(np.pi / 2, wires=0), lambda: qml.CNOT([0, 1]), device=device)
        assert bell.check(good, verbose=False).status == "correct", device


def test_recorded_executions_restores_the_simulators():
    import pennylane as qml

    from qgan_helpers.course.checks.devices import recorded_executions

    before = qml.devices.DefaultQubit.execute
    with recorded_executions() as seen:
        _bell_qnode(lambda: qml.Hadamard(0), lambda: qml.CNOT([0, 1]))()
    assert [op.name for op in seen[-1].operations] == ["Hadamard", "CNOT"]
    assert qml.devices.DefaultQubit.execute is before
    _bell_qnode(lambda: qml.Hadamard(0))()
    assert len(seen) == 1  # nothing recorded after the block


def test_ansatz_circuit_checks_refuse_answers_computed_without_the_circuit():
    import numpy as np
    import pennylane as qml

    from qgan_helpers.quantum.circuits import angle_encoding, patch_ansatz

    amplitude = exercise("ex-ansatz-amplitude")
    r = amplitude.check(lambda z: np.asarray(z) ** 2 / np.sum(np.asarray(z) ** 2), verbose=False)
    assert r.status == "not yet" and "without running a circuit" in r.reason

    generator = exercise("ex-ansatz-generator")

    def layers_before_encoding(z, weights):
        n = len(z)

        @qml.qnode(qml.device("default.qubit", wires=n))
        def circuit():
            patch_ansatz(weights, n)
            angle_encoding(z, n)
            return qml.probs(wires=range(n))

        return circuit()

    r = generator.check(layers_before_encoding, verbose=False)
    assert r.status == "not yet"

    def with_cnots(z, weights):
        n = len(z)

        @qml.qnode(qml.device("default.qubit", wires=n))
        def circuit():
            angle_encoding(z, n)
            patch_ansatz(weights, n)
            qml.CNOT([0, 1])
            qml.CNOT([0, 1])
            return qml.probs(wires=range(n))

        return circuit()

    r = generator.check(with_cnots, verbose=False)
    assert r.status == "not yet" and "CNOT" in r.reason


def test_measurement_generator_check_inspects_the_circuit():
    import numpy as np
    import pennylane as qml

    from qgan_helpers.quantum.circuits import seed_ansatz

    generator = exercise("ex-measurement-generator")
    reference = generator.load_solution()

    def computed_elsewhere(z, weights):  # the right numbers, from the reference QNode, but re-typed
        return np.array(qml.math.to_numpy(reference(z, weights)))

    assert generator.check(computed_elsewhere, verbose=False).status == "correct"  # it ran the circuit

    @qml.qnode(qml.device("default.qubit", wires=4))
    def encoding_after(z, weights):
        seed_ansatz(weights, 4)
        for i in range(4):
            qml.RY(z[i], wires=i)
        return qml.probs(wires=range(4))

    r = generator.check(encoding_after, verbose=False)
    assert r.status == "not yet" and "start with the latent vector" in r.reason


def test_patch_pixels_check_explains_the_common_mistakes():
    import numpy as np

    pixels = exercise("ex-measurement-patch-pixels")

    def not_mapped(p, n_ancillas):
        kept = np.asarray(p)[: len(p) // 2**n_ancillas]
        return kept / kept.sum()

    r = pixels.check(not_mapped, verbose=False)
    assert r.status == "not yet" and "largest value" in r.reason

    def ancillas_last(p, n_ancillas):
        kept = np.asarray(p)[:: 2**n_ancillas]
        return kept / kept.max()

    r = pixels.check(ancillas_last, verbose=False)
    assert r.status == "not yet" and "LAST wires" in r.reason

    def unnormalised(p, n_ancillas):  # the renormalisation cancels: this is correct
        kept = np.asarray(p)[: len(p) // 2**n_ancillas]
        return kept / kept.max()

    assert pixels.check(unnormalised, verbose=False).status == "correct"


def test_ancilla_experiment_check_inspects_the_circuits_it_ran():
    import pennylane as qml

    from qgan_helpers.quantum.devices import make_qnode

    ancilla = exercise("ex-measurement-ancilla")

    def typed_in(n_qubits, n_ancillas, seed, target):
        return 0.003

    r = ancilla.check(typed_in, verbose=False)
    assert r.status == "not yet" and "without running a circuit" in r.reason

    def always_five_wires(n_qubits, n_ancillas, seed, target):  # ignores n_qubits
        qnode = make_qnode(lambda: (qml.RY(0.1, wires=4), qml.probs(wires=range(5)))[1], wires=5)
        for _ in range(60):
            qnode()
        return 0.003

    r = ancilla.check(always_five_wires, verbose=False)
    assert r.status == "not yet" and "the sub-generator has 4" in r.reason

    def never_trains(n_qubits, n_ancillas, seed, target):  # one circuit, no training loop
        make_qnode(lambda: (qml.RY(0.1, wires=0), qml.probs(wires=range(n_qubits)))[1],
                   wires=n_qubits)()
        return 0.003

    r = ancilla.check(never_trains, verbose=False)
    assert r.status == "not yet" and "60 Adam steps" in r.reason


def test_circuit_inspection_is_skipped_only_for_answers_run_in_the_graders_sandbox():
    from qgan_helpers.course.checks.devices import last_circuit, runs_elsewhere
    from qgan_helpers.course.grading.remote import RemoteFunction

    remote = object.__new__(RemoteFunction)  # the grader's stand-in: the circuits run in the sandbox
    assert runs_elsewhere(remote) and last_circuit([], "f()", remote) is None
    assert not runs_elsewhere(lambda: None)
    with pytest.raises(Exception, match="without running a circuit"):
        last_circuit([], "f()", lambda: None)
