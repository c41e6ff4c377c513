"""Real quantum devices -- IBM Quantum, IonQ, Amazon Braket -- used only when credentials are set.

Each provider is described by a :class:`Provider`: the environment variables that must hold its
credentials, the pip package of its PennyLane plugin, and a function that builds the device.
:func:`remote_device` checks the environment **first** and raises :class:`NotConfiguredError`
with a one-line message (what to set, what to install) before importing anything heavy or opening
any connection, so on a machine without keys it answers in milliseconds and never touches the
network. :func:`remote_status` gives that line for every provider.

Tokens are read from environment variables only, passed straight to the provider's client, and
never stored on the returned objects, printed, logged or put into an error message: messages name
the *variable*, never its value.

=========  ====================================================  ==============================
provider   environment                                           plugin
=========  ====================================================  ==============================
``ibm``    ``QISKIT_IBM_TOKEN`` (optional ``QISKIT_IBM_INSTANCE``,  ``pennylane-qiskit`` (installed)
           ``QISKIT_IBM_CHANNEL``, ``QISKIT_IBM_BACKEND``)
``ionq``   ``IONQ_API_KEY`` (optional ``IONQ_DEVICE``: ``simulator``   ``pennylane-ionq``
           or ``qpu``)
``braket`` ``BRAKET_DEVICE_ARN`` and AWS credentials                ``amazon-braket-pennylane-plugin``
           (``AWS_ACCESS_KEY_ID`` or ``AWS_PROFILE``)
=========  ====================================================  ==============================

Examples
--------
>>> import os
>>> env = {}                                   # no keys at all
>>> print(remote_status(env)["ionq"])
ionq: not configured: set IONQ_API_KEY and pip install pennylane-ionq
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qgan_helpers import validation

__all__ = ["NotConfiguredError", "Provider", "PROVIDERS", "missing_configuration", "remote_status", "remote_device"]


class NotConfiguredError(RuntimeError):
    """A real device was requested but its credentials (or plugin) are not available."""


@dataclass(frozen=True)
class Provider:
    """How to reach one provider's devices.

    Attributes
    ----------
    name : str
    required : tuple of tuple of str
        Each inner tuple is a group of environment variables of which at least one must be set.
    plugin_module : str
        Module that must be importable (checked without importing it).
    pip_name : str
        The package that provides it.
    build : callable
        ``build(wires, shots, env) -> device``; called only when configured.
    """

    name: str
    required: tuple[tuple[str, ...], ...]
    plugin_module: str
    pip_name: str
    build: Callable[[int, int, Mapping[str, str]], Any]

    def __repr__(self) -> str:  # no build function, no environment values
        return f"Provider({self.name!r}, needs={[' or '.join(g) for g in self.required]}, plugin={self.pip_name!r})"


def _ibm(wires: int, shots: int, env: Mapping[str, str]) -> Any:
    import pennylane as qml
    from qiskit_ibm_runtime import QiskitRuntimeService

    kwargs = {"channel": env.get("QISKIT_IBM_CHANNEL", "ibm_quantum_platform"), "token": env["QISKIT_IBM_TOKEN"]}
    if env.get("QISKIT_IBM_INSTANCE"):
        kwargs["instance"] = env["QISKIT_IBM_INSTANCE"]
    service = QiskitRuntimeService(**kwargs)
    name = env.get("QISKIT_IBM_BACKEND")
    backend = service.backend(name) if name else service.least_busy(operational=True, simulator=False, min_num_qubits=wires)
    return qml.device("qiskit.remote", wires=wires, backend=backend, shots=shots)


def _ionq(wires: int, shots: int, env: Mapping[str, str]) -> Any:
    import pennylane as qml

    kind = env.get("IONQ_DEVICE", "simulator")
    if kind not in ("simulator", "qpu"):
        raise ValueError(f"IONQ_DEVICE: expected 'simulator' or 'qpu', got {kind!r}")
    return qml.device(f"ionq.{kind}", wires=wires, shots=shots, api_key=env["IONQ_API_KEY"])


def _braket(wires: int, shots: int, env: Mapping[str, str]) -> Any:
    import pennylane as qml

    # boto3 reads the AWS credentials from the environment itself
    return qml.device("braket.aws.qubit", device_arn=env["BRAKET_DEVICE_ARN"], wires=wires, shots=shots)


PROVIDERS: dict[str, Provider] = {
    "ibm": Provider("ibm", (("QISKIT_IBM_TOKEN",),), "qiskit_ibm_runtime", "qiskit-ibm-runtime", _ibm),
    "ionq": Provider("ionq", (("IONQ_API_KEY",),), "pennylane_ionq", "pennylane-ionq", _ionq),
    "braket": Provider("braket", (("BRAKET_DEVICE_ARN",), ("AWS_ACCESS_KEY_ID", "AWS_PROFILE")), "braket.pennylane_plugin",
                       "amazon-braket-pennylane-plugin", _braket),
}
"""The supported providers by name."""


def _provider(name: Any) -> Provider:
    if name not in PROVIDERS:
        raise ValueError(f"provider: expected one of {list(PROVIDERS)}, got {name!r}")
    return PROVIDERS[name]


def _plugin_installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing
        return False


def missing_configuration(provider: str, env: Mapping[str, str] | None = None) -> str | None:
    """``None`` if ``provider`` can be used, else the one-line "not configured: ..." reason.

    Looks only at environment variable *names* and at installed packages: no import, no network.
    """
    p = _provider(provider)
    env = os.environ if env is None else env
    unset = [g[0] + "".join(f" (or {v})" for v in g[1:]) for g in p.required if not any(env.get(v) for v in g)]
    installed = _plugin_installed(p.plugin_module)
    if not unset and installed:
        return None
    steps = []
    if unset:
        steps.append("set " + ", ".join(unset))
    if not installed:
        steps.append(f"pip install {p.pip_name}")
    return "not configured: " + " and ".join(steps)


def remote_status(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """One line per provider: ``"<name>: configured"`` or ``"<name>: not configured: set ... and pip install ..."``."""
    out = {}
    for name in PROVIDERS:
        reason = missing_configuration(name, env)
        out[name] = f"{name}: " + ("configured" if reason is None else reason)
    return out


def remote_device(provider: str, wires: int = 5, *, shots: int = 1000, env: Mapping[str, str] | None = None) -> Any:
    """A PennyLane device on a real provider, if its credentials are set.

    Parameters
    ----------
    provider : {"ibm", "ionq", "braket"}
    wires : int
    shots : int
    env : mapping, optional
        Where to read the credentials (default ``os.environ``).

    Returns
    -------
    pennylane.devices.Device

    Raises
    ------
    NotConfiguredError
        Immediately (no import of the provider's client, no network) if a variable is unset or the
        plugin is not installed; the message says what to set and install, never a value.
    """
    p = _provider(provider)
    wires, shots = validation.positive_int("wires", wires), validation.positive_int("shots", shots)
    env = os.environ if env is None else env
    reason = missing_configuration(provider, env)
    if reason is not None:
        raise NotConfiguredError(f"{provider}: {reason}")
    try:
        return p.build(wires, shots, env)
    except NotConfiguredError:
        raise
    except Exception as err:  # never echo the provider's message: it may quote the token
        raise RuntimeError(f"{provider}: configured, but the device could not be created ({type(err).__name__}); "
                           "check the credentials and the network") from None
