"""Tests of qgan_helpers.training: the loop, history, callbacks, evaluation and checkpoints."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from qgan_helpers.data import load_digits_tensors
from qgan_helpers.metrics import mmd2
from qgan_helpers.models import (
    ClassicalGenerator,
    ClassicalPatchGenerator,
    ConditionalPatchGenerator,
    PatchQuantumGenerator,
)
from qgan_helpers.models.discriminators import MLPDiscriminator
from qgan_helpers.training import (
    CONDITIONAL_DEFAULTS,
    LOSSES,
    PATCH_DEFAULTS,
    Callback,
    Checkpoint,
    History,
    SampleGridCallback,
    generate,
    load_checkpoint,
    load_or_train,
    mmd_evaluator,
    sample_noise,
    save_checkpoint,
    train_gan,
    train_patch_qgan,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def zeros() -> torch.Tensor:
    return load_digits_tensors(0)[0]


def _small_patch(seed: int = 0) -> PatchQuantumGenerator:
    torch.manual_seed(seed)
    return PatchQuantumGenerator(n_qubits=5, n_ancillas=1, depth=2, n_generators=4, n_pixels=64)


def _config(gen: PatchQuantumGenerator) -> dict:
    return {
        "generator": {
            "class": "PatchQuantumGenerator",
            "kwargs": {"n_qubits": gen.n_qubits, "n_ancillas": gen.n_ancillas, "depth": gen.depth,
                       "n_generators": gen.n_generators, "n_pixels": gen.n_pixels},
        },
        "noise": "auto",
        "image_shape": [8, 8],
    }


# ---------------------------------------------------------------------------------------------- noise / generate
def test_sample_noise_kinds():
    rng = torch.Generator().manual_seed(0)
    z = sample_noise(200, 5, "angle", generator=rng)
    assert z.shape == (200, 5) and float(z.min()) >= 0 and float(z.max()) < math.pi / 2
    u = sample_noise(200, 3, "uniform", generator=rng)
    assert float(u.max()) < 1 and float(u.min()) >= 0
    n = sample_noise(2000, 2, "normal", generator=rng)
    assert abs(float(n.mean())) < 0.1 and abs(float(n.std()) - 1) < 0.1
    gen = _small_patch()
    a = sample_noise(4, 5, "auto", generator=torch.Generator().manual_seed(3), model=gen)
    b = gen.sample_noise(4, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_generate_is_seeded_and_shaped():
    gen = _small_patch()
    a = generate(gen, 6, seed=3)
    b = generate(gen, 6, seed=3)
    c = generate(gen, 6, seed=4)
    assert a.shape == (6, 8, 8) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    # chunking does not change the images
    assert torch.allclose(generate(gen, 6, seed=3, batch_size=4), a)


def test_generate_conditional_labels():
    torch.manual_seed(0)
    gen = ConditionalPatchGenerator(depth=1, label_layers=1)
    imgs = generate(gen, 4, seed=0, labels=[0, 1, 2, 3])
    assert imgs.shape == (4, 8, 8)
    same = generate(gen, 3, seed=0, labels=7)
    assert same.shape == (3, 8, 8)
    with pytest.raises(ValueError, match="labels: the generator is conditional"):
        generate(gen, 3)
    with pytest.raises(ValueError, match=r"labels: expected one class or 3 classes, integers in 0..9"):
        generate(gen, 3, labels=[0, 1, 10])
    with pytest.raises(ValueError, match="labels: the generator is unconditional"):
        generate(_small_patch(), 3, labels=1)


# ---------------------------------------------------------------------------------------------- the loop
def test_tiny_training_run_changes_losses_and_records_history(zeros):
    gen = _small_patch()
    before = gen.weights.detach().clone()
    disc = MLPDiscriminator()
    grid = SampleGridCallback(every=4, n=6)
    hist = train_gan(
        gen, disc, zeros, steps=8, batch_size=16, lr_g=0.05, lr_d=0.01, seed=0, callbacks=[grid],
        eval_fn=mmd_evaluator(zeros, n=40), eval_every=4, progress=False,
    )
    assert isinstance(hist, History)
    assert hist.step == list(range(1, 9)) and len(hist.loss_d) == len(hist.loss_g) == 8
    assert all(math.isfinite(v) for v in hist.loss_d + hist.loss_g)
    assert len(set(np.round(hist.loss_d, 8))) > 1  # the losses move
    assert not torch.equal(gen.weights.detach(), before)  # the generator learned something
    assert hist.eval_step == [0, 4, 8] and len(hist.metrics["mmd2"]) == 3
    assert hist.sample_step == [0, 4, 8] and hist.samples[0].shape == (6, 8, 8)
    assert all(0 <= p <= 1 for p in hist.d_real + hist.d_fake)
    assert hist.wall_time > 0 and hist.cpu_time > 0 and 0 < hist.eval_time < hist.wall_time
    assert hist.settings["steps"] == 8 and hist.settings["loss"] == "non-saturating"
    assert hist.final_metrics()["mmd2"] == hist.metrics["mmd2"][-1]
    # the final metric is the MMD² of the final generator on the same fixed noise
    final = mmd2(generate(gen, 40, seed=12345).double().numpy(), zeros.double().numpy(), sigma="median")
    assert hist.metrics["mmd2"][-1] == pytest.approx(final, rel=1e-6)


def test_training_is_reproducible(zeros):
    runs = []
    for _ in range(2):
        gen = _small_patch(seed=1)
        torch.manual_seed(5)
        disc = MLPDiscriminator()
        runs.append(train_gan(gen, disc, zeros, steps=3, batch_size=8, seed=2, progress=False).loss_g)
    assert runs[0] == runs[1]


def test_discriminator_learns_to_separate_a_fixed_generator():
    # a frozen generator producing blank images vs real digits: loss_d must go down
    torch.manual_seed(0)
    images = load_digits_tensors([0, 1])[0]
    gen = ClassicalGenerator(latent_dim=5, n_pixels=64, hidden=())
    for p in gen.parameters():
        p.requires_grad_(False)
    gen.net[-1].bias.data.fill_(-6.0)
    gen.extra = torch.nn.Parameter(torch.zeros(1))  # Adam needs at least one parameter
    hist = train_gan(gen, MLPDiscriminator(), images, steps=40, batch_size=32, lr_d=0.01, progress=False)
    assert np.mean(hist.loss_d[-5:]) < 0.5 * np.mean(hist.loss_d[:5])
    assert hist.d_real[-1] > 0.8 and hist.d_fake[-1] < 0.2


def test_options_ema_smoothing_schedule_minimax_dsteps(zeros):
    gen = _small_patch()
    hist = train_gan(
        gen, MLPDiscriminator(), zeros, steps=4, batch_size=8, ema_decay=0.5, label_smoothing=0.1,
        lr_schedule="cosine", loss="minimax", d_steps=2, progress=False, eval_fn=mmd_evaluator(zeros, n=20),
        eval_every=2,
    )
    assert hist.settings["ema_decay"] == 0.5 and hist.settings["d_steps"] == 2
    assert all(v <= 0 for v in hist.loss_g)  # the minimax generator loss log(1 - D) is negative


def test_r1_penalty_adds_to_the_discriminator_loss(zeros):
    # same seeds, same first step: the R1 term makes the first discriminator loss larger
    losses = []
    for gamma in (0.0, 50.0):
        gen = _small_patch(seed=3)
        torch.manual_seed(4)
        disc = MLPDiscriminator()
        with torch.no_grad():
            disc.net[0].weight.mul_(20.0)  # a steep discriminator: a large input gradient
        losses.append(train_gan(gen, disc, zeros, steps=1, batch_size=8, r1_gamma=gamma, progress=False).loss_d[0])
    assert losses[1] > losses[0] + 0.1


def test_ema_weights_are_loaded_at_the_end(zeros):
    gen = _small_patch()
    start = gen.weights.detach().clone()
    snapshots = []

    class Grab(Callback):
        def on_step(self, step, generator, history):
            snapshots.append(generator.weights.detach().clone())

    train_gan(gen, MLPDiscriminator(), zeros, steps=3, batch_size=8, lr_g=0.1, ema_decay=0.9,
              progress=False, callbacks=[Grab()])
    # the callbacks saw the average, and the generator ends with the average
    assert torch.allclose(gen.weights.detach(), snapshots[-1])
    moved = (gen.weights.detach() - start).abs().max()
    assert 0 < moved < 3 * 0.1  # an average of a few steps of lr 0.1 moves little


def test_conditional_training_and_per_class_metrics():
    torch.manual_seed(0)
    images, labels = load_digits_tensors([0, 1])
    gen = ConditionalPatchGenerator(depth=1, n_classes=10, label_layers=1)
    disc = MLPDiscriminator(n_classes=10)
    ev = mmd_evaluator(images, labels=labels, classifier=True)
    hist = train_gan(gen, disc, (images, labels), steps=2, batch_size=8, conditional=True, eval_fn=ev,
                     eval_every=2, progress=False)
    keys = set(hist.metrics)
    assert {"mmd2", "mmd2_0", "mmd2_1", "accuracy_0", "accuracy_1", "min_accuracy"} <= keys
    assert hist.metrics["mmd2"][-1] == pytest.approx(0.5 * (hist.metrics["mmd2_0"][-1] + hist.metrics["mmd2_1"][-1]))


def test_quantum_discriminator_in_the_loop(zeros):
    from qgan_helpers.models.discriminators import QuantumDiscriminator

    torch.manual_seed(0)
    disc = QuantumDiscriminator(n_qubits=4, layers=1)
    before = disc.weights.detach().clone()
    hist = train_gan(_small_patch(), disc, zeros, steps=2, batch_size=8, r1_gamma=1.0, progress=False)
    assert hist.steps == 2 and all(math.isfinite(v) for v in hist.loss_d)
    assert not torch.equal(disc.weights.detach(), before)


def test_progress_bar_goes_to_stderr(zeros, capsys):
    train_gan(_small_patch(), MLPDiscriminator(), zeros, steps=2, batch_size=8, progress=True, desc="tiny")
    captured = capsys.readouterr()
    assert "tiny" in captured.err and "2/2" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"steps": 0}, ValueError, "steps: expected an integer >= 1"),
        ({"steps": 2, "batch_size": 500}, ValueError, r"batch_size: expected at most 178"),
        ({"steps": 2, "lr_g": -1.0}, ValueError, "lr_g: expected a number > 0"),
        ({"steps": 2, "lr_d": float("nan")}, ValueError, "lr_d: expected a number > 0"),
        ({"steps": 2, "loss": "wasserstein"}, ValueError, "loss: expected one of"),
        ({"steps": 2, "noise": "cauchy"}, ValueError, "noise: expected one of"),
        ({"steps": 2, "label_smoothing": 1.0}, ValueError, r"label_smoothing: expected a number in \[0, 1\)"),
        ({"steps": 2, "ema_decay": 1.5}, ValueError, r"ema_decay: expected a number in \[0, 1\)"),
        ({"steps": 2, "lr_schedule": "step"}, ValueError, "lr_schedule: expected 'constant', 'linear' or 'cosine'"),
        ({"steps": 2, "conditional": True}, ValueError, "conditional: the generator has no n_classes"),
        ({"steps": 2, "callbacks": [print]}, TypeError, "callbacks: expected a list of Callback objects"),
        ({"steps": 2, "eval_fn": 3}, TypeError, "eval_fn: expected a callable"),
        ({"steps": 2, "seed": -1}, ValueError, "seed: expected an integer >= 0"),
        ({"steps": 2, "r1_gamma": -1.0}, ValueError, "r1_gamma: expected a number >= 0"),
        ({"steps": 2, "d_steps": 0}, ValueError, "d_steps: expected an integer >= 1"),
        ({"steps": 2, "loss": "wgan-gp", "gp_lambda": 0.0}, ValueError, "gp_lambda: expected a number > 0, got 0.0"),
        ({"steps": 2, "gp_lambda": "10"}, ValueError, "gp_lambda: expected a number > 0, got '10'"),
        ({"steps": 2, "loss": "wgan-gp", "r1_gamma": 1.0}, ValueError,
         r"r1_gamma: loss='wgan-gp' already constrains the critic's input gradient \(gp_lambda\); expected r1_gamma=0"),
        ({"steps": 2, "loss": "wgan-gp", "label_smoothing": 0.1}, ValueError,
         "label_smoothing: loss='wgan-gp' has no targets to smooth"),
    ],
)
def test_train_gan_bad_arguments(zeros, kwargs, error, match):
    with pytest.raises(error, match=match):
        train_gan(_small_patch(), MLPDiscriminator(), zeros, progress=False, **kwargs)


def test_train_gan_bad_data_and_models(zeros):
    with pytest.raises(ValueError, match=r"generator: expected 49 pixels per image \(like real_data\), got 64"):
        train_gan(_small_patch(), MLPDiscriminator(n_pixels=49), torch.rand(20, 7, 7), steps=1, batch_size=4, progress=False)
    with pytest.raises(ValueError, match="real_data: expected finite pixel values"):
        train_gan(_small_patch(), MLPDiscriminator(), torch.full((10, 8, 8), float("nan")), steps=1, batch_size=4, progress=False)
    with pytest.raises(TypeError, match="generator: expected a torch.nn.Module"):
        train_gan(lambda z: z, MLPDiscriminator(), zeros, steps=1, progress=False)
    gen = ConditionalPatchGenerator(depth=1, label_layers=1)
    with pytest.raises(ValueError, match=r"real_data: conditional=True needs a pair \(images, labels\)"):
        train_gan(gen, MLPDiscriminator(n_classes=10), zeros, steps=1, batch_size=4, conditional=True, progress=False)
    with pytest.raises(ValueError, match=r"discriminator: expected logits of shape \(4,\)"):
        train_gan(_small_patch(), torch.nn.Linear(64, 2), zeros, steps=1, batch_size=4, progress=False)


# ---------------------------------------------------------------------------------------------- checkpoints
def test_checkpoint_round_trip_weights_only(tmp_path, zeros):
    gen = _small_patch()
    hist = train_gan(gen, MLPDiscriminator(), zeros, steps=4, batch_size=8, eval_fn=mmd_evaluator(zeros, n=30),
                     eval_every=2, callbacks=[SampleGridCallback(every=2, n=4)], progress=False)
    pt, js = save_checkpoint(tmp_path / "g.pt", gen, _config(gen), hist, {"command": "pytest", "seed": 0})
    assert pt.is_file() and js == tmp_path / "g.json" and js.is_file()
    # plain tensors / containers only: loadable with weights_only=True
    payload = torch.load(pt, weights_only=True)
    assert set(payload) >= {"config", "state_dict", "history", "format", "format_version"}
    prov = json.loads(js.read_text())
    assert prov["command"] == "pytest" and prov["seed"] == 0 and prov["steps"] == 4
    assert prov["final_metrics"]["mmd2"] == pytest.approx(hist.metrics["mmd2"][-1], abs=1e-6)
    assert prov["trainable_parameters"] == 40 and prov["wall_time_s"] >= 0
    assert {"torch", "pennylane", "numpy", "python"} <= set(prov["packages"])
    assert prov["metric_curve"]["step"] == [0, 2, 4]
    ck = load_checkpoint(pt)
    assert isinstance(ck, Checkpoint) and isinstance(ck.generator, PatchQuantumGenerator)
    assert torch.equal(ck.generator.weights, gen.weights)
    assert torch.equal(generate(ck.generator, 5, seed=1), generate(gen, 5, seed=1))
    assert ck.history.loss_g == hist.loss_g and ck.history.sample_step == hist.sample_step
    assert np.array_equal(ck.history.samples[-1], hist.samples[-1])
    assert ck.provenance["command"] == "pytest" and ck.config["generator"]["kwargs"]["depth"] == 2


def test_load_or_train_trains_once(tmp_path, zeros):
    calls = []

    def train():
        calls.append(1)
        gen = _small_patch()
        hist = train_gan(gen, MLPDiscriminator(), zeros, steps=2, batch_size=8, progress=False)
        return gen, _config(gen), hist, {"command": "test"}

    path = tmp_path / "lot.pt"
    a = load_or_train(path, train)
    b = load_or_train(path, train)
    assert len(calls) == 1 and path.is_file()
    assert torch.equal(a.generator.weights, b.generator.weights)
    assert b.provenance["command"] == "test"
    c = load_or_train(tmp_path / "nosave.pt", train, save=False)
    assert len(calls) == 2 and not (tmp_path / "nosave.pt").exists() and c.history.steps == 2


def test_checkpoint_errors(tmp_path):
    gen = _small_patch()
    with pytest.raises(ValueError, match="path: expected a file name ending in .pt"):
        save_checkpoint(tmp_path / "g.pth", gen, _config(gen))
    with pytest.raises(ValueError, match=r"config: expected config\['generator'\]"):
        save_checkpoint(tmp_path / "g.pt", gen, {"noise": "auto"})
    with pytest.raises(FileNotFoundError, match="path: the directory"):
        save_checkpoint(tmp_path / "missing" / "g.pt", gen, _config(gen))
    with pytest.raises(FileNotFoundError, match="path: no checkpoint file at"):
        load_checkpoint(tmp_path / "nothing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="is not a readable checkpoint"):
        load_checkpoint(bad)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(ValueError, match="not a qgan_helpers checkpoint"):
        load_checkpoint(other)
    wrong = tmp_path / "wrong.pt"
    cfg = _config(gen)
    cfg["generator"]["kwargs"]["depth"] = 3  # does not match the saved weights
    save_checkpoint(wrong, gen, _config(gen))
    payload = torch.load(wrong, weights_only=True)
    payload["config"] = cfg
    torch.save(payload, wrong)
    with pytest.raises(ValueError, match="could not rebuild the generator"):
        load_checkpoint(wrong)
    payload["config"] = ["not", "a", "dict"]
    torch.save(payload, wrong)
    with pytest.raises(ValueError, match="has no usable generator config"):
        load_checkpoint(wrong)
    payload["config"] = {"generator": {"class": "os.system", "kwargs": {}}}
    torch.save(payload, wrong)
    with pytest.raises(ValueError, match="is not a torch module in any of .*qgan_helpers.models"):
        load_checkpoint(wrong)
    with pytest.raises(TypeError, match="train_fn: expected a callable"):
        load_or_train(tmp_path / "x.pt", "train")


def test_history_dict_round_trip_and_metric():
    h = History(step=[1, 2], loss_d=[1.0, 0.5], loss_g=[0.7, 0.8], d_real=[0.5, 0.6], d_fake=[0.4, 0.3],
                eval_step=[0, 2], metrics={"mmd2": [0.5, 0.2]}, wall_time=1.5, settings={"steps": 2})
    back = History.from_dict(h.to_dict())
    assert back == h
    steps, values = h.metric("mmd2")
    assert steps.tolist() == [0, 2] and values.tolist() == [0.5, 0.2]
    with pytest.raises(ValueError, match="name: expected one of the recorded metrics"):
        h.metric("fid")


# ---------------------------------------------------------------------------------------------- default runs
def test_train_patch_qgan_tiny_run_and_classical_baseline():
    ck = train_patch_qgan(0, seed=0, progress=False, steps=2, depth=1, eval_every=2, sample_every=2)
    assert isinstance(ck.generator, PatchQuantumGenerator) and ck.generator.depth == 1
    assert ck.config["kind"] == "patch" and ck.config["digit"] == 0
    assert ck.config["settings"]["steps"] == 2 and ck.config["settings"]["lr_g"] == PATCH_DEFAULTS["lr_g"]
    assert ck.history.steps == 2 and ck.history.eval_step == [0, 2] and ck.history.sample_step == [0, 2]
    assert {"mmd2", "accuracy", "coverage"} <= set(ck.history.metrics)
    assert ck.provenance["seed"] == 0 and ck.provenance["steps"] == 2
    # depth 4: 8 * 4 * 5 = 160 quantum parameters (the smallest classical generator needs 70)
    base = train_patch_qgan(0, seed=0, classical=True, progress=False, steps=2, depth=4, eval_every=2, sample_every=2)
    assert isinstance(base.generator, ClassicalGenerator)
    n_quantum = PATCH_DEFAULTS["n_generators"] * 4 * PATCH_DEFAULTS["n_qubits"]
    assert 0 < sum(p.numel() for p in base.generator.parameters()) <= n_quantum
    assert base.history.settings["steps"] == ck.history.settings["steps"]
    assert base.history.settings["lr_g"] == ck.history.settings["lr_g"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"digit": 10}, "digit: expected an integer in 0..9, got 10"),
        ({"digit": "0"}, "digit: expected an integer in 0..9"),
        ({"digit": 0, "stepz": 3}, r"overrides: unknown setting\(s\) \['stepz'\]"),
        ({"digit": None, "conditional": True, "classical": True}, "classical: the classical baseline is unconditional"),
    ],
)
def test_train_patch_qgan_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_patch_qgan(progress=False, **kwargs)


# ---------------------------------------------------------------------------------------------- shipped checkpoints
@pytest.mark.parametrize("name", ["patch_digit0_seed0", "patch_conditional_seed0", "classical_digit0_seed0"])
def test_shipped_checkpoints_reproduce_their_provenance(name):
    from qgan_helpers.training import CHECKPOINTS_DIR

    pt = CHECKPOINTS_DIR / f"{name}.pt"
    assert pt.is_file() and pt.with_suffix(".json").is_file()
    torch.load(pt, weights_only=True)  # plain tensors and containers only
    ck = load_checkpoint(pt)
    prov = ck.provenance
    assert prov["command"].startswith("python -m qgan_helpers train patch ") and f"--out checkpoints/{name}.pt" in prov["command"]
    assert prov["seed"] == 0 and prov["steps"] == ck.history.steps
    # the final scores were computed against the held-out half, never the training half the models saw
    if ck.config["kind"] in ("patch", "classical"):
        held = load_digits_tensors(0, split="heldout")[0]
        again = mmd_evaluator(held, labels=0, classifier=True, two_sample=True)(ck.generator)
        keys = ["mmd2", "two_sample", "accuracy", "coverage"]
        assert prov["final_metrics"]["accuracy"] >= 0.9  # a classifier of real digits calls nearly all of them zeros
    else:
        held, labels = load_digits_tensors(split="heldout")
        again = mmd_evaluator(held, labels=labels, classifier=True, two_sample=True)(ck.generator)
        keys = [f"{m}_{c}" for c in range(10) for m in ("mmd2", "two_sample", "accuracy")]
        assert min(prov["final_metrics"][f"accuracy_{c}"] for c in range(10)) >= 0.5  # every digit well above chance (0.1)
    assert set(keys) <= set(prov["final_metrics"])
    for key in keys:
        assert again[key] == pytest.approx(prov["final_metrics"][key], abs=1e-5), key


# ---------------------------------------------------------------------------------------------- WGAN-GP
class _LinearCritic(torch.nn.Module):
    """A critic with the same input gradient everywhere: w = (3, 4, 0, ..., 0), so ||grad|| = 5."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(64, 1)
        with torch.no_grad():
            self.lin.weight.zero_()
            self.lin.weight[0, :2] = torch.tensor([3.0, 4.0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x.reshape(x.shape[0], -1).float()).squeeze(1)


def test_wgan_gp_is_a_registered_loss():
    assert LOSSES == ("non-saturating", "minimax", "wgan-gp")


def test_wgan_gp_losses_scores_and_penalty(zeros):
    # with a critic of gradient norm 5 the penalty is (5 - 1)^2 = 16 at every interpolate
    hist = train_gan(_small_patch(), _LinearCritic(), zeros, steps=1, batch_size=8, loss="wgan-gp", gp_lambda=2.0,
                     lr_d=1e-6, progress=False)
    assert hist.loss_d[0] == pytest.approx(hist.d_fake[0] - hist.d_real[0] + 2.0 * 16.0, abs=1e-4)
    # d_real / d_fake are raw critic scores: the mean of w . x over the batch (not probabilities)
    assert hist.settings["loss"] == "wgan-gp" and hist.settings["gp_lambda"] == 2.0 and hist.settings["r1_gamma"] == 0.0


def test_wgan_gp_training_run_records_critic_scores(zeros):
    torch.manual_seed(0)
    disc = MLPDiscriminator()
    hist = train_gan(_small_patch(), disc, zeros, steps=6, batch_size=8, loss="wgan-gp", d_steps=3,
                     betas=(0.0, 0.9), ema_decay=0.9, lr_schedule="cosine", progress=False,
                     eval_fn=mmd_evaluator(zeros, n=20), eval_every=3)
    assert hist.steps == 6 and hist.settings["d_steps"] == 3 and hist.eval_step == [0, 3, 6]
    for ld, real, fake in zip(hist.loss_d, hist.d_real, hist.d_fake):
        assert ld >= fake - real - 1e-6  # loss_d = E D(fake) - E D(real) + lambda * penalty, penalty >= 0
    assert all(math.isfinite(v) for v in hist.loss_g + hist.d_real + hist.d_fake)


def test_wgan_gp_is_reproducible_and_draws_interpolates_from_the_seeded_generator(zeros):
    runs = []
    for seed in (2, 2, 3):
        gen = _small_patch(seed=1)
        torch.manual_seed(5)
        disc = MLPDiscriminator()
        runs.append(train_gan(gen, disc, zeros, steps=3, batch_size=8, seed=seed, loss="wgan-gp", progress=False).loss_d)
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_wgan_gp_conditional_training():
    torch.manual_seed(0)
    images, labels = load_digits_tensors([0, 1])
    gen = ConditionalPatchGenerator(depth=1, label_layers=1, reupload=True, pixel_method="threshold")
    disc = MLPDiscriminator(n_classes=10, conditioning="projection")
    before = gen.label_angles.detach().clone()
    hist = train_gan(gen, disc, (images, labels), steps=3, batch_size=8, conditional=True, loss="wgan-gp",
                     d_steps=2, ema_decay=0.5, progress=False)
    assert hist.steps == 3 and all(math.isfinite(v) for v in hist.loss_d + hist.loss_g)
    assert not torch.equal(gen.label_angles.detach(), before)



def test_the_generator_update_scores_each_fake_with_its_own_label(monkeypatch):
    # with d_steps > 1 the discriminator draws fresh batches; the generator's fakes keep their labels
    from qgan_helpers.training.game import Game

    drawn, scored = [], []
    fake_batch, generator_step = Game.fake_batch, Game.generator_step

    def record_fake(self, labels):
        drawn.append(labels.clone())
        return fake_batch(self, labels)

    def record_step(self, fake, labels):
        scored.append(labels.clone())
        return generator_step(self, fake, labels)

    monkeypatch.setattr(Game, "fake_batch", record_fake)
    monkeypatch.setattr(Game, "generator_step", record_step)
    torch.manual_seed(0)
    images, labels = load_digits_tensors([0, 1, 2])
    gen = ConditionalPatchGenerator(depth=1, label_layers=1)
    disc = MLPDiscriminator(n_classes=10, conditioning="projection")
    train_gan(gen, disc, (images, labels), steps=2, batch_size=8, conditional=True, d_steps=3, progress=False)
    assert len(drawn) == 2 * 3 and len(scored) == 2
    for step in range(2):  # the first fakes of each step are the ones the generator update trains on
        assert torch.equal(scored[step], drawn[3 * step])
    assert any(not torch.equal(drawn[0], d) for d in drawn[1:3])  # the later discriminator batches differ

# ---------------------------------------------------------------------------------------------- new generator designs in the loop
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_qubits=4, n_ancillas=1, n_generators=8, depth=2, pixel_method="threshold"),
        dict(n_qubits=5, n_ancillas=2, n_generators=8, depth=2, reupload=True),
        dict(n_qubits=5, n_ancillas=3, n_generators=16, depth=1, pixel_method="threshold_gain"),
    ],
    ids=["8x8-threshold", "8x8-two-ancillas-reupload", "16x4-gain"],
)
def test_patch_shapes_train_through_the_loop(zeros, kwargs):
    torch.manual_seed(0)
    gen = PatchQuantumGenerator(n_pixels=64, **kwargs)
    before = [p.detach().clone() for p in gen.parameters()]
    hist = train_gan(gen, MLPDiscriminator(), zeros, steps=3, batch_size=8, lr_g=0.05, progress=False,
                     eval_fn=mmd_evaluator(zeros, n=20), eval_every=3)
    assert hist.steps == 3 and math.isfinite(hist.metrics["mmd2"][-1])
    assert all(not torch.equal(p.detach(), b) for p, b in zip(gen.parameters(), before))  # angles and map numbers move
    assert generate(gen, 4, seed=0).shape == (4, 8, 8)


def test_classical_patch_generator_trains_with_train_gan(zeros):
    torch.manual_seed(0)
    gen = ClassicalPatchGenerator.matching(PatchQuantumGenerator(depth=8, pixel_method="threshold"))
    before = [p.detach().clone() for p in gen.parameters()]
    hist = train_gan(gen, MLPDiscriminator(), zeros, steps=5, batch_size=8, lr_g=0.01, progress=False,
                     eval_fn=mmd_evaluator(zeros, n=20), eval_every=5)
    assert hist.steps == 5 and all(math.isfinite(v) for v in hist.loss_d + hist.loss_g)
    assert all(not torch.equal(p.detach(), b) for p, b in zip(gen.parameters(), before))
    images = generate(gen, 6, seed=0)
    assert images.shape == (6, 8, 8) and float(images.min()) >= 0 and float(images.max()) <= 1


# ---------------------------------------------------------------------------------------------- the recipe's new switches
def test_recipe_defaults_are_todays_behaviour():
    expected = {"loss": "non-saturating", "gp_lambda": 10.0, "d_steps": 1, "pixel_method": "max",
                "classical_kind": "mlp", "input_scaling": False}
    for defaults in (PATCH_DEFAULTS, CONDITIONAL_DEFAULTS):
        assert {k: defaults[k] for k in expected} == expected
        assert defaults["r1_gamma"] == 1.0
    # the unconditional generator: 8 one-row patches, 2 ancillas, depth 12, two noise blocks, a 128-32 critic
    new = {"n_qubits": 5, "n_ancillas": 2, "n_generators": 8, "depth": 12, "reupload": True, "upload_every": 6,
           "noise_per_upload": True, "hidden": (128, 32)}
    assert {k: PATCH_DEFAULTS[k] for k in new} == new
    # the conditional one: the same geometry and critic, the noise encoded once (it has no noise blocks)
    cond = {**{k: new[k] for k in ("n_qubits", "n_ancillas", "n_generators", "depth", "hidden")},
            "reupload": False, "upload_every": 1, "noise_per_upload": False, "conditioning": "projection"}
    assert {k: CONDITIONAL_DEFAULTS[k] for k in cond} == cond


def test_train_patch_qgan_passes_the_design_switches_through(tmp_path):
    ck = train_patch_qgan(0, seed=0, progress=False, steps=2, depth=1, eval_every=2, sample_every=2,
                          loss="wgan-gp", gp_lambda=5.0, d_steps=2, reupload=True, pixel_method="threshold")
    gen = ck.generator
    assert isinstance(gen, PatchQuantumGenerator) and gen.reupload and gen.pixel_method == "threshold"
    g = PATCH_DEFAULTS["n_generators"]
    assert sum(p.numel() for p in gen.parameters()) == g * 1 * 5 + g
    s = ck.history.settings
    assert (s["loss"], s["gp_lambda"], s["d_steps"], s["r1_gamma"]) == ("wgan-gp", 5.0, 2, 0.0)  # R1 dropped for WGAN-GP
    kwargs = ck.config["generator"]["kwargs"]
    assert kwargs["reupload"] is True and kwargs["pixel_method"] == "threshold"
    assert ck.config["settings"]["loss"] == "wgan-gp"
    save_checkpoint(tmp_path / "w.pt", gen, ck.config, ck.history)
    back = load_checkpoint(tmp_path / "w.pt").generator
    assert back.reupload and torch.equal(back.pixel_map.threshold_logit, gen.pixel_map.threshold_logit)
    assert torch.equal(generate(back, 4, seed=3), generate(gen, 4, seed=3))
    # an override changes the run: the same call with the defaults trains differently
    plain = train_patch_qgan(0, seed=0, progress=False, steps=2, depth=1, eval_every=2, sample_every=2)
    assert plain.history.settings["loss"] == "non-saturating" and plain.history.settings["r1_gamma"] == 1.0
    assert plain.history.loss_d != ck.history.loss_d
    with pytest.raises(ValueError, match=r"r1_gamma: loss='wgan-gp' already constrains"):
        train_patch_qgan(0, progress=False, steps=1, depth=1, loss="wgan-gp", r1_gamma=1.0)


def test_train_patch_qgan_conditional_with_the_switches():
    ck = train_patch_qgan(conditional=True, seed=0, progress=False, steps=1, depth=1, label_layers=1,
                          eval_every=1, sample_every=1, reupload=True, pixel_method="threshold_gain", d_steps=2)
    gen = ck.generator
    assert isinstance(gen, ConditionalPatchGenerator) and gen.reupload and gen.pixel_method == "threshold_gain"
    assert ck.config["generator"]["kwargs"]["pixel_method"] == "threshold_gain"
    assert ck.history.settings["d_steps"] == 2 and ck.history.steps == 1


def test_train_patch_qgan_classical_patch_baseline(tmp_path):
    ck = train_patch_qgan(0, seed=0, classical=True, classical_kind="patch", progress=False, steps=2, depth=4,
                          eval_every=2, sample_every=2, pixel_method="threshold")
    gen = ck.generator
    assert isinstance(gen, ClassicalPatchGenerator) and gen.pixel_method == "threshold"
    assert ck.config["generator"]["class"] == "ClassicalPatchGenerator" and ck.config["kind"] == "classical"
    g = PATCH_DEFAULTS["n_generators"]
    n_quantum = g * 4 * 5 + g
    assert 0.8 * n_quantum <= sum(p.numel() for p in gen.parameters()) <= n_quantum
    save_checkpoint(tmp_path / "c.pt", gen, ck.config, ck.history)
    back = load_checkpoint(tmp_path / "c.pt").generator
    assert isinstance(back, ClassicalPatchGenerator) and torch.equal(generate(back, 3, seed=1), generate(gen, 3, seed=1))
    with pytest.raises(ValueError, match=r"classical_kind: expected one of \['mlp', 'patch'\], got 'cnn'"):
        train_patch_qgan(0, classical=True, classical_kind="cnn", progress=False, steps=1)


@pytest.mark.parametrize(
    "overrides, error, match",
    [
        ({"reupload": "yes"}, TypeError, "reupload: expected True or False"),
        ({"pixel_method": "clip"}, ValueError, "pixel_method: expected one of"),
        ({"loss": "hinge"}, ValueError, "loss: expected one of"),
        ({"d_steps": 0}, ValueError, "d_steps: expected an integer >= 1"),
        ({"gp_lambda": -1.0}, ValueError, "gp_lambda: expected a number > 0"),
    ],
)
def test_train_patch_qgan_bad_switches(overrides, error, match):
    with pytest.raises(error, match=match):
        train_patch_qgan(0, progress=False, steps=1, depth=1, eval_every=1, sample_every=1, **overrides)


# ---------------------------------------------------------------------------------------------- old checkpoints, new constructors
@pytest.mark.parametrize("conditional", [False, True])
def test_checkpoints_written_before_the_new_options_load_with_the_old_behaviour(tmp_path, conditional):
    """A config without reupload / pixel_method / threshold_init (as written before those options) rebuilds
    the generator they described: noise encoded once, pixels p / max, no classical output parameters."""
    torch.manual_seed(0)
    old = {"n_qubits": 5, "n_ancillas": 1, "depth": 8, "n_generators": 4, "n_pixels": 64}
    if conditional:
        old.update(n_classes=10)
        gen = ConditionalPatchGenerator(**old)
        n_params, labels = 4 * 8 * 5 + 4 * 10 * 9 * 5, np.arange(20) % 10
    else:
        gen = PatchQuantumGenerator(**old)
        n_params, labels = 4 * 8 * 5, None
    config = {"generator": {"class": type(gen).__name__, "kwargs": dict(old)}, "noise": "auto",
              "n_classes": 10 if conditional else 0, "kind": "conditional_patch" if conditional else "patch"}
    before = generate(gen, 20, seed=1, labels=labels).numpy()
    save_checkpoint(tmp_path / "old.pt", gen, config)
    ck = load_checkpoint(tmp_path / "old.pt")
    assert not {"reupload", "pixel_method", "threshold_init"} & set(ck.config["generator"]["kwargs"])
    back = ck.generator
    assert back.reupload is False and back.pixel_method == "max" and back.pixel_map.n_params == 0
    assert sum(p.numel() for p in back.parameters()) == n_params
    assert np.abs(generate(back, 20, seed=1, labels=labels).numpy() - before).max() < 1e-6


# ---------------------------------------------------------------------------------------------- input scaling
def test_train_patch_qgan_passes_the_encoding_switches_through(tmp_path):
    assert (PATCH_DEFAULTS["upload_every"], PATCH_DEFAULTS["input_scaling"], PATCH_DEFAULTS["input_scale_init"],
            PATCH_DEFAULTS["noise_per_upload"]) == (6, False, None, True)
    ck = train_patch_qgan(0, seed=0, progress=False, steps=2, depth=4, eval_every=2, sample_every=2,
                          reupload=True, upload_every=2, input_scaling=True, noise_per_upload=False)
    gen = ck.generator
    g = PATCH_DEFAULTS["n_generators"]
    assert gen.input_scaling and gen.upload_layers == (0, 2) and gen.input_scale.shape == (g, 2, 5)
    assert gen.latent_dim == 5
    assert sum(p.numel() for p in gen.parameters()) == g * 4 * 5 + g * 2 * 5
    assert not torch.allclose(gen.input_scale.detach(), torch.full((g, 2, 5), 0.5))  # trained
    kwargs = ck.config["generator"]["kwargs"]
    assert (kwargs["upload_every"], kwargs["input_scaling"], kwargs["input_scale_init"]) == (2, True, None)
    save_checkpoint(tmp_path / "s.pt", gen, ck.config, ck.history)
    back = load_checkpoint(tmp_path / "s.pt").generator
    assert torch.equal(back.input_scale, gen.input_scale)
    assert torch.equal(generate(back, 4, seed=3), generate(gen, 4, seed=3))
    with pytest.raises(ValueError, match=r"^input_scaling: the conditional generator has no input_scaling option"):
        train_patch_qgan(conditional=True, progress=False, steps=1, depth=1, input_scaling=True)
    with pytest.raises(ValueError, match=r"^upload_every: expected an integer >= 1, got 0"):
        train_patch_qgan(0, progress=False, steps=1, depth=2, upload_every=0)
    # without re-uploading the noise blocks and their spacing change nothing: one 5-angle encoding
    once = train_patch_qgan(0, seed=0, progress=False, steps=1, depth=2, eval_every=1, sample_every=1, reupload=False)
    assert once.generator.upload_layers == (0,) and once.generator.latent_dim == 5


def test_train_patch_qgan_with_noise_blocks_samples_the_wider_latent():
    ck = train_patch_qgan(0, seed=0, progress=False, steps=2, depth=4, eval_every=2, sample_every=2,
                          reupload=True, upload_every=2, noise_per_upload=True)
    default = train_patch_qgan(0, seed=0, progress=False, steps=1, eval_every=1, sample_every=1)
    assert default.generator.upload_layers == (0, 6) and default.generator.latent_dim == 10
    assert sum(p.numel() for p in default.generator.parameters()) == 8 * 12 * 5
    gen = ck.generator
    assert gen.latent_dim == 10 and ck.config["generator"]["kwargs"]["noise_per_upload"] is True
    images = generate(gen, 5, seed=0)
    assert images.shape == (5, 8, 8) and float(images.min()) >= 0 and float(images.max()) <= 1


def _aux_pair(aux: bool, seed: int = 0):
    torch.manual_seed(seed)
    gen = ConditionalPatchGenerator(depth=1, n_classes=10, label_layers=1)
    disc = MLPDiscriminator(n_classes=10, conditioning="projection", aux_classifier=aux)
    return gen, disc


def test_aux_classifier_loss_adds_a_cross_entropy_to_both_players():
    # an untrained class head guesses: its cross-entropy is about log(10) = 2.3 on every batch
    images, labels = load_digits_tensors([0, 1])
    first = {}
    for weight in (0.0, 1.0):
        gen, disc = _aux_pair(True)
        hist = train_gan(gen, disc, (images, labels), steps=1, batch_size=16, conditional=True,
                         aux_weight=weight, progress=False)
        first[weight] = (hist.loss_d[0], hist.loss_g[0])
        assert hist.settings["aux_weight"] == weight
    for k in (0, 1):
        assert 1.8 < first[1.0][k] - first[0.0][k] < 2.8, first


def test_aux_classifier_learns_the_real_classes():
    images, labels = load_digits_tensors([0, 1])
    gen, disc = _aux_pair(True, seed=1)
    train_gan(gen, disc, (images, labels), steps=60, batch_size=16, conditional=True, aux_weight=1.0,
              lr_d=0.003, progress=False)
    with torch.no_grad():
        predicted = disc.class_logits(images).argmax(1)
    assert (predicted == labels).float().mean() > 0.9


@pytest.mark.parametrize(
    ("disc_kwargs", "train_kwargs", "error", "match"),
    [
        ({"aux_classifier": True}, {"aux_weight": -1.0}, ValueError, "aux_weight: expected a number >= 0"),
        ({"aux_classifier": False}, {"aux_weight": 1.0}, ValueError, "aux_weight: an auxiliary classifier loss needs"),
        ({"aux_classifier": True}, {"aux_weight": 1.0, "conditional": False}, ValueError,
         "aux_weight: an auxiliary classifier loss needs .* with conditional=False"),
    ],
)
def test_aux_weight_bad_arguments(disc_kwargs, train_kwargs, error, match):
    images, labels = load_digits_tensors([0, 1])
    gen = ConditionalPatchGenerator(depth=1, n_classes=10, label_layers=1)
    disc = MLPDiscriminator(n_classes=10, conditioning="projection", **disc_kwargs)
    kwargs = {"conditional": True, **train_kwargs}
    data = (images, labels) if kwargs["conditional"] else images
    with pytest.raises(error, match=match):
        train_gan(gen, disc, data, steps=1, batch_size=8, progress=False, **kwargs)


def test_aux_classifier_discriminator_bad_arguments():
    with pytest.raises(ValueError, match="aux_classifier: needs n_classes > 0 and conditioning='projection'"):
        MLPDiscriminator(n_classes=10, conditioning="concat", aux_classifier=True)
    with pytest.raises(ValueError, match="aux_classifier: needs n_classes > 0"):
        MLPDiscriminator(aux_classifier=True)
    with pytest.raises(TypeError, match="aux_classifier: expected True or False, got 'yes'"):
        MLPDiscriminator(n_classes=10, conditioning="projection", aux_classifier="yes")
    with pytest.raises(ValueError, match="class_logits: this discriminator was built without aux_classifier=True"):
        MLPDiscriminator(n_classes=10, conditioning="projection").class_logits(torch.rand(2, 64))
