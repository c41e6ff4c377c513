"""Every shipped checkpoint loads, and the checkpoint loader finds generator classes wherever they live.

A checkpoint stores its generator's class NAME; :func:`qgan_helpers.training.load_checkpoint` looks it
up among the exported names of :data:`qgan_helpers.training.checkpoints.MODEL_MODULES` (the
``qgan_helpers.models`` package first), skipping modules that do not exist, so a checkpoint survives
its class moving between modules.
"""

from __future__ import annotations

import sys
import types

import pytest
import torch

from qgan_helpers.training import CHECKPOINTS_DIR, load_checkpoint
from qgan_helpers.training import checkpoints as checkpoints_module

SHIPPED = sorted(CHECKPOINTS_DIR.rglob("*.pt"))


def test_the_package_ships_checkpoints():
    names = {p.stem for p in SHIPPED}
    assert {"patch_digit0_seed0", "patch_conditional_seed0", "hybrid_fixed_seed0", "qcbm_bas3x3_seed0"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(CHECKPOINTS_DIR)) for p in SHIPPED])
def test_every_shipped_checkpoint_loads(path):
    stored = torch.load(path, map_location="cpu", weights_only=True)["config"]["generator"]["class"]
    ck = load_checkpoint(path)
    assert type(ck.generator).__name__ == stored
    assert not ck.generator.training
    assert ck.provenance.get("checkpoint", path.name) == path.name
    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    loaded = ck.generator.state_dict()
    assert set(state) == set(loaded) and all(torch.equal(state[k], loaded[k]) for k in state)


def test_generator_classes_come_from_the_models_package():
    import qgan_helpers.models as models

    for name in ("PatchQuantumGenerator", "ConditionalPatchGenerator", "ClassicalGenerator", "HybridQuantumGenerator"):
        assert checkpoints_module._generator_class(name) is getattr(models, name)


def test_missing_modules_are_skipped_and_exports_are_respected(monkeypatch):
    fake = types.ModuleType("qgan_fake_models")
    fake.__all__ = ["Exported"]
    fake.Exported = type("Exported", (torch.nn.Module,), {})
    fake.Hidden = type("Hidden", (torch.nn.Module,), {})
    monkeypatch.setitem(sys.modules, "qgan_fake_models", fake)
    monkeypatch.setattr(checkpoints_module, "MODEL_MODULES", ("qgan_no_such_module.generators", "qgan_fake_models"))
    assert checkpoints_module._generator_class("Exported") is fake.Exported
    with pytest.raises(ValueError, match=r"config: generator class 'Hidden' is not a torch module in any of"):
        checkpoints_module._generator_class("Hidden")


def test_a_module_whose_own_import_fails_is_not_skipped(monkeypatch, tmp_path):
    (tmp_path / "qgan_broken_models.py").write_text("import qgan_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(checkpoints_module, "MODEL_MODULES", ("qgan_broken_models",))
    with pytest.raises(ModuleNotFoundError, match="qgan_no_such_dependency"):
        checkpoints_module._generator_class("Anything")
