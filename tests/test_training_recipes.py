"""The one recipe mechanism (qgan_helpers.training.recipe) and the two recipes that use it.

train_patch_qgan and train_hybrid_qgan both go through run_recipe: defaults merged with overrides,
seed, build, train_gan with the recipe's sample grid and the caller's callbacks, a Checkpoint with
config and provenance.
"""

from __future__ import annotations

import pytest
import torch

import qgan_helpers.hybrid.recipe as hybrid_recipe
import qgan_helpers.training.patch_recipe as patch_recipe
from qgan_helpers.data import ImageData, load_digits_tensors, upsample
from qgan_helpers.hybrid import train_hybrid_qgan
from qgan_helpers.models.discriminators import MLPDiscriminator
from qgan_helpers.training import (
    Callback,
    RecipeSetup,
    merge_settings,
    run_recipe,
    train_patch_qgan,
)
from qgan_helpers.training.recipe import train_options


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


class Recorder(Callback):
    """Counts the hooks and keeps the steps it saw."""

    def __init__(self) -> None:
        self.begun = self.ended = 0
        self.steps: list[int] = []

    def on_train_begin(self, generator, history):
        self.begun += 1

    def on_step(self, step, generator, history):
        assert not generator.training
        self.steps.append(step)

    def on_train_end(self, generator, history):
        self.ended += 1


def _toy_setup(**extra) -> RecipeSetup:
    g = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Sigmoid())
    g.latent_dim = 4
    fields = dict(kind="toy", generator=g, generator_entry={"class": "Sequential", "kwargs": {}},
                  discriminator=MLPDiscriminator(hidden=(8,)), real_data=torch.rand(40, 8, 8), eval_fn=None, desc="toy")
    fields.update(extra)
    return RecipeSetup(**fields)


@pytest.fixture(scope="module")
def tiny_data():
    x, y = load_digits_tensors(split="train")
    return ImageData(upsample(x[:64], 28), y[:64], source="tiny test subset", fallback=True)


# ---------------------------------------------------------------------------------------------- the mechanism
def test_merge_settings_refuses_unknown_keys_and_keeps_the_defaults():
    defaults = {"steps": 10, "lr_g": 0.01}
    assert merge_settings(defaults, {"steps": 3}) == {"steps": 3, "lr_g": 0.01}
    assert defaults == {"steps": 10, "lr_g": 0.01}
    with pytest.raises(ValueError, match=r"overrides: unknown setting\(s\) \['a', 'b'\]; expected keys of \['lr_g', 'steps'\]"):
        merge_settings(defaults, {"b": 1, "a": 2})


def test_train_options_keeps_the_training_keys_converted():
    options = train_options({"steps": 5.0, "lr_g": "0.5", "betas": [0.0, 0.9], "loss": "minimax", "ema_decay": None,
                             "depth": 3, "sample_every": 2})
    assert options == {"steps": 5, "lr_g": 0.5, "betas": (0.0, 0.9), "loss": "minimax", "ema_decay": None}


def test_run_recipe_builds_after_seeding_and_packages_the_run():
    weights = []

    def build():
        setup = _toy_setup(config={"image_shape": [8, 8]}, provenance={"what": "toy"}, grid_size=5)
        weights.append(setup.generator[0].weight.detach().clone())
        return setup

    settings = {"steps": 4, "batch_size": 8, "sample_every": 2, "eval_every": 2, "lr_g": 0.02}
    recorder = Recorder()
    ck = run_recipe(build, settings, seed=3, progress=False, callbacks=[recorder])
    again = run_recipe(build, settings, seed=3, progress=False)
    assert torch.equal(weights[0], weights[1])  # the weights depend on the seed only
    assert ck.history.loss_d == again.history.loss_d
    assert list(ck.config) == ["kind", "generator", "noise", "image_shape", "settings"]
    assert ck.config["settings"] == settings and ck.config["generator"]["class"] == "Sequential"
    assert ck.provenance == {"seed": 3, "steps": 4, "what": "toy"}
    assert ck.history.sample_step == [0, 2, 4] and ck.history.samples[0].shape == (5, 8, 8)
    assert ck.history.settings["lr_g"] == 0.02 and ck.history.settings["seed"] == 3
    assert (recorder.begun, recorder.steps, recorder.ended) == (1, [1, 2, 3, 4], 1)


@pytest.mark.parametrize("callbacks", [Recorder(), [object()], "grid"])
def test_run_recipe_refuses_callbacks_that_are_not_a_list_of_callbacks(callbacks):
    with pytest.raises(TypeError, match="callbacks: expected a list of Callback objects"):
        run_recipe(_toy_setup, {"steps": 1, "batch_size": 8, "sample_every": 1}, seed=0, progress=False,
                   callbacks=callbacks)


# ---------------------------------------------------------------------------------------------- the two recipes
def _spy(monkeypatch, module):
    kinds = []
    real = module.run_recipe

    def spy(build, settings, **kwargs):
        def recorded_build():
            setup = build()
            kinds.append(setup.kind)
            return setup

        return real(recorded_build, settings, **kwargs)

    monkeypatch.setattr(module, "run_recipe", spy)
    return kinds


def test_the_patch_recipe_runs_through_run_recipe_and_passes_callbacks(monkeypatch):
    kinds = _spy(monkeypatch, patch_recipe)
    recorder = Recorder()
    tiny = dict(seed=0, progress=False, steps=2, depth=1, eval_every=2, sample_every=2)
    watched = train_patch_qgan(0, callbacks=[recorder], **tiny)
    plain = train_patch_qgan(0, **tiny)
    assert kinds == ["patch", "patch"]
    assert (recorder.begun, recorder.steps, recorder.ended) == (1, [1, 2], 1)
    assert watched.history.loss_d == plain.history.loss_d and watched.history.loss_g == plain.history.loss_g
    assert watched.history.sample_step == [0, 2]
    state, again = watched.generator.state_dict(), plain.generator.state_dict()
    assert all(torch.equal(state[k], again[k]) for k in state)


def test_the_hybrid_recipe_runs_through_run_recipe_and_passes_callbacks(monkeypatch, tiny_data):
    kinds = _spy(monkeypatch, hybrid_recipe)
    recorder = Recorder()
    tiny = dict(seed=0, data=tiny_data, progress=False, steps=2, eval_every=2, sample_every=2, decoder=(8,),
                eval_samples=20)
    watched = train_hybrid_qgan("fixed", callbacks=(recorder,), **tiny)
    plain = train_hybrid_qgan("fixed", **tiny)
    assert kinds == ["hybrid_fixed", "hybrid_fixed"]
    assert (recorder.begun, recorder.steps, recorder.ended) == (1, [1, 2], 1)
    assert watched.history.loss_d == plain.history.loss_d
    assert watched.config["data_source"] == "tiny test subset"
    assert watched.provenance == {"seed": 0, "steps": 2, "variant": "fixed", "data_source": "tiny test subset"}


def test_both_recipes_refuse_bad_callbacks(tiny_data):
    with pytest.raises(TypeError, match="callbacks: expected a list of Callback objects"):
        train_patch_qgan(0, progress=False, steps=1, depth=1, callbacks=[print])
    with pytest.raises(TypeError, match="callbacks: expected a list of Callback objects"):
        train_hybrid_qgan("fixed", data=tiny_data, progress=False, steps=1, callbacks=print)
