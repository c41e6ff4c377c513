"""Real-device access without credentials: a clear "not configured", fast, offline, and no token leaks."""

from __future__ import annotations

import dataclasses
import logging
import socket
import time

import pytest

from qgan_helpers.hardware import remote
from qgan_helpers.hardware.remote import (
    PROVIDERS,
    NotConfiguredError,
    missing_configuration,
    remote_device,
    remote_status,
)

SECRET = "tok-SECRET-0123456789abcdef"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_not_configured_is_fast_and_offline(provider, no_network, monkeypatch):
    # "Fast" without a stopwatch (wall-clock bounds fail on a loaded machine): the provider's client
    # is never built (so never imported), nothing sleeps or retries, and the network is never touched.
    built, slept = [], []

    def refuse_build(*args, **kwargs):
        built.append(args)
        raise AssertionError("the provider's client was built")

    monkeypatch.setitem(PROVIDERS, provider, dataclasses.replace(PROVIDERS[provider], build=refuse_build))
    monkeypatch.setattr(time, "sleep", lambda seconds: slept.append(seconds))
    with pytest.raises(NotConfiguredError, match=f"^{provider}: not configured: set "):
        remote_device(provider, wires=5, env={})
    assert built == [] and slept == []


def test_status_lines_say_what_to_do(no_network):
    status = remote_status({})
    assert status["ibm"] == "ibm: not configured: set QISKIT_IBM_TOKEN"  # the client is installed
    assert status["ionq"] == "ionq: not configured: set IONQ_API_KEY and pip install pennylane-ionq"
    assert status["braket"] == ("braket: not configured: set BRAKET_DEVICE_ARN, AWS_ACCESS_KEY_ID (or AWS_PROFILE) "
                                "and pip install amazon-braket-pennylane-plugin")
    assert all("\n" not in line for line in status.values())


def test_key_without_plugin_asks_only_for_the_plugin(no_network):
    env = {"IONQ_API_KEY": SECRET}
    reason = missing_configuration("ionq", env)
    assert reason == "not configured: pip install pennylane-ionq"
    with pytest.raises(NotConfiguredError) as info:
        remote_device("ionq", env=env)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    env = {"BRAKET_DEVICE_ARN": "arn:x", "AWS_PROFILE": "p"}
    assert missing_configuration("braket", env) == "not configured: pip install amazon-braket-pennylane-plugin"


class _EchoingService:
    """Stands in for QiskitRuntimeService: fails like a client that quotes the bad token."""

    def __init__(self, **kwargs):
        logging.getLogger("qiskit_ibm_runtime").debug("service created")
        raise ValueError(f"invalid token {kwargs.get('token')}")


class _OfflineService:
    """Stands in for QiskitRuntimeService: hands out a fake backend, no network."""

    seen: dict = {}

    def __init__(self, **kwargs):
        _OfflineService.seen = dict(kwargs)

    def least_busy(self, **kwargs):
        from qiskit_ibm_runtime.fake_provider import FakeManilaV2

        return FakeManilaV2()


def test_token_never_appears_in_errors_or_logs(monkeypatch, caplog, capsys, no_network):
    import qiskit_ibm_runtime

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", _EchoingService)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", SECRET)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RuntimeError, match="ibm: configured, but the device could not be created") as info:
        remote_device("ibm", wires=2)
    out = capsys.readouterr()
    for text in (str(info.value), repr(info.value), caplog.text, out.out, out.err, repr(PROVIDERS["ibm"])):
        assert SECRET not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_configured_ibm_device_built_from_env_only(monkeypatch, no_network):
    import qiskit_ibm_runtime

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", _OfflineService)
    dev = remote_device("ibm", wires=2, shots=10, env={"QISKIT_IBM_TOKEN": SECRET})
    assert _OfflineService.seen["token"] == SECRET  # handed to the client ...
    assert dev.name == "QiskitRemoteDevice" or "remote" in dev.name.lower()
    for text in (repr(dev), str(dev), repr(vars(dev))):  # ... and kept nowhere on the device
        assert SECRET not in text


def test_remote_bad_inputs():
    with pytest.raises(ValueError, match="provider: expected one of \\['ibm', 'ionq', 'braket'\\], got 'dwave'"):
        remote_device("dwave", env={})
    with pytest.raises(ValueError, match="wires: expected an integer >= 1, got 0"):
        remote_device("ibm", wires=0, env={})
    with pytest.raises(ValueError, match="shots: expected an integer >= 1, got 1.5"):
        remote_device("ionq", shots=1.5, env={})
    with pytest.raises(ValueError, match="provider: expected one of"):
        missing_configuration("nobody", {})


def test_module_reads_no_secrets_at_import():
    assert not any(isinstance(v, str) and SECRET in v for v in vars(remote).values())
