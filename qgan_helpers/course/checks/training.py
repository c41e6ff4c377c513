"""Exercises of the chapter "Training" (book/training.ipynb)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from qgan_helpers.course.checks import as_scalar as _number
from qgan_helpers.course.checks import expect, register

__all__: list[str] = []




# --------------------------------------------------------------------------------------------
def _small_pair(seed: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    """A tiny patch generator (3 qubits, 2 sub-generators, 8 pixels) and an MLP discriminator for it."""
    from qgan_helpers.models import PatchQuantumGenerator
    from qgan_helpers.models.discriminators import MLPDiscriminator

    torch.manual_seed(seed)
    gen = PatchQuantumGenerator(n_qubits=3, n_ancillas=1, depth=2, n_generators=2, n_pixels=8)
    disc = MLPDiscriminator(n_pixels=8, hidden=(6,))
    return gen, disc


def _reference_step(gen: torch.nn.Module, disc: torch.nn.Module, opt: torch.optim.Optimizer,
                    noise: torch.Tensor, loss_kind: str = "non-saturating", zero: bool = True) -> float:
    if zero:
        opt.zero_grad()
    logits = disc(gen(noise))
    if loss_kind == "non-saturating":
        loss = F.softplus(-logits).mean()  # -log D(G(z))
    elif loss_kind == "minimax":
        loss = -F.softplus(logits).mean()  # log(1 - D(G(z)))
    else:  # "ascent": the sign flipped, log D(G(z))
        loss = -F.softplus(-logits).mean()
    loss.backward()
    opt.step()
    return float(loss.detach())


def _weights_after(seed: int, noise: torch.Tensor, kind: str, stale: torch.Tensor, zero: bool = True) -> torch.Tensor:
    gen, disc = _small_pair(seed)
    opt = torch.optim.SGD(gen.parameters(), lr=0.1)
    gen.weights.grad = stale.clone()
    _reference_step(gen, disc, opt, noise, kind, zero=zero)
    return gen.weights.detach().clone()


@register(
    "ex-training-gstep",
    "One non-saturating generator update for the patch generator",
    "Four lines: optimizer.zero_grad(); logits = discriminator(generator(noise)); "
    "loss = torch.nn.functional.softplus(-logits).mean()  (this is -log D(G(z)) computed from logits); "
    "loss.backward(); optimizer.step(); then return loss.item(). The discriminator is not updated here.",
    "generator_step",
)
def _check_gstep(generator_step: Any) -> None:
    expect(callable(generator_step), "generator_step should be a function of (generator, discriminator, optimizer, noise)")
    seed = 3
    gen, disc = _small_pair(seed)
    noise = gen.sample_noise(6, torch.Generator().manual_seed(5))
    stale = torch.full_like(gen.weights, 0.7)  # a gradient left over from an earlier step
    start = gen.weights.detach().clone()
    d_before = copy.deepcopy(disc.state_dict())
    opt = torch.optim.SGD(gen.parameters(), lr=0.1)
    gen.weights.grad = stale.clone()
    what = "generator_step(generator, discriminator, optimizer, noise)"
    result = generator_step(gen, disc, opt, noise.clone())
    got_loss = _number(result, what)
    after = gen.weights.detach().clone()

    want = _weights_after(seed, noise, "non-saturating", stale)
    for k, v in disc.state_dict().items():
        expect(torch.equal(v, d_before[k]), f"{what} changed the discriminator's {k}; this step updates only the "
               "generator (its optimizer holds only the generator's parameters)")
    expect(not torch.equal(after, start), f"{what} did not change the generator's weights: call loss.backward() "
           "and then optimizer.step()")
    if not torch.allclose(after, want, atol=1e-6):
        if torch.allclose(after, _weights_after(seed, noise, "non-saturating", stale, zero=False), atol=1e-6):
            expect(False, f"{what} kept a gradient left over from an earlier step: call optimizer.zero_grad() "
                   "before loss.backward() (gradients add up in .grad)")
        if torch.allclose(after, _weights_after(seed, noise, "minimax", stale), atol=1e-6):
            expect(False, f"{what} used the minimax loss log(1 - D(G(z))); the non-saturating loss is "
                   "-log D(G(z)) = softplus(-logit)")
        if torch.allclose(after, _weights_after(seed, noise, "ascent", stale), atol=1e-6):
            expect(False, f"{what} moved the weights the wrong way: the loss to MINIMISE is -log D(G(z)) "
                   "(a minus sign is missing)")
        expect(False, f"{what} changed the generator's weights, but not as one step of SGD on the mean of "
               "-log D(G(z)) over the batch would (check the loss: softplus(-logits).mean())")
    gen2, disc2 = _small_pair(seed)
    want_loss = float(F.softplus(-disc2(gen2(noise))).mean().detach())
    expect(abs(got_loss - want_loss) < 1e-5, f"{what} should return the loss before the update, "
           f"{want_loss:.5f}, as a number; got {got_loss:.5f}")


# --------------------------------------------------------------------------------------------
def _reference_shifts(n_generators: int, depth: int, n_qubits: int, batch_size: int) -> int:
    return n_generators * batch_size * (1 + 2 * depth * n_qubits)


@register(
    "ex-training-shifts",
    "How many circuit executions one parameter-shift training step needs",
    "Every sample and every sub-generator is its own circuit: n_generators * batch_size circuits. Each runs once "
    "for the forward pass. Its trainable angles are the depth * n_qubits RY weights (the noise angles are not "
    "trained), and the parameter-shift rule runs the circuit twice per trainable angle (shifted by +pi/2 and "
    "-pi/2).",
    "shift_executions",
)
def _check_shifts(shift_executions: Any) -> None:
    expect(callable(shift_executions),
           "shift_executions should be a function of (n_generators, depth, n_qubits, batch_size)")
    for g, d, n, b in ((4, 2, 5, 2), (1, 8, 5, 1), (4, 8, 5, 32), (3, 1, 2, 7), (2, 6, 4, 10)):
        what = f"shift_executions({g}, {d}, {n}, {b})"
        got = _number(shift_executions(g, d, n, b), what)
        want = _reference_shifts(g, d, n, b)
        if got == want:
            continue
        p = d * n
        hints = [
            (g * b * 2 * p, "this counts the gradient's shifted circuits but not the forward pass (one more "
                            "execution per circuit)"),
            (g * b * (1 + p), "each trainable angle needs TWO shifted circuits (+pi/2 and -pi/2)"),
            (g * (1 + 2 * p), "every sample of the batch is a separate circuit (multiply by batch_size)"),
            (b * (1 + 2 * p), "every sub-generator runs its own circuits (multiply by n_generators)"),
            (g * b * (1 + 2 * (d + 1) * n), "the noise angles RY(z_i) are not trained, so they need no shifts: "
                                            "P = depth * n_qubits"),
            (g * b * (1 + 2 * g * p), "a circuit only depends on its own sub-generator's depth * n_qubits "
                                      "angles; shifting another sub-generator's angles does not touch it"),
            (2 * p + 1, "that is one circuit; there are n_generators * batch_size of them"),
        ]
        for value, why in hints:
            expect(got != value, f"{what} returned {got:g}: {why}")
        expect(False, f"{what} should be {want}, got {got:g}")
    out = shift_executions(4, 8, 5, 32)
    expect(isinstance(out, (int, np.integer)) or (isinstance(out, float) and out.is_integer()),
           "return a whole number of executions (an int)")


# --------------------------------------------------------------------------------------------
def _reference_ema(average: dict, current: dict, decay: float) -> dict:
    out = {}
    for k, v in current.items():
        if v.dtype.is_floating_point:
            out[k] = decay * average[k] + (1 - decay) * v
        else:
            out[k] = v.clone()
    return out


@register(
    "ex-training-ema",
    "An exponential moving average (EMA) of the generator's weights",
    "For every key k: new[k] = decay * average[k] + (1 - decay) * current[k] if the tensor is floating point "
    "(tensor.dtype.is_floating_point), else a copy of current[k]. Build a new dict and do not modify `current`; "
    "use current[k].detach() so no gradient is tracked.",
    "ema_update",
)
def _check_ema(ema_update: Any) -> None:
    expect(callable(ema_update), "ema_update should be a function of (average, current, decay)")
    gen = torch.Generator().manual_seed(2)
    average = {"weights": torch.rand(2, 3, 4, generator=gen, dtype=torch.float64),
               "bias": torch.rand(5, generator=gen), "steps": torch.tensor(3)}
    current = {"weights": torch.rand(2, 3, 4, generator=gen, dtype=torch.float64),
               "bias": torch.rand(5, generator=gen), "steps": torch.tensor(4)}
    for decay in (0.9, 0.5, 0.0, 0.99):
        what = f"ema_update(average, current, {decay})"
        avg_in = {k: v.clone() for k, v in average.items()}
        cur_in = {k: v.clone() for k, v in current.items()}
        out = ema_update(avg_in, cur_in, decay)
        expect(out is not None, f"{what} returned None; return the new average as a dict (also when you update "
               "`average` in place)")
        expect(isinstance(out, dict), f"{what} should return a dict like the state_dict it averages, "
               f"got {type(out).__name__}")
        expect(set(out) == set(current), f"{what} should have the keys {sorted(current)}, got {sorted(out)}")
        for k, v in current.items():
            expect(torch.equal(cur_in[k], v), f"{what} changed current[{k!r}]: the model's own weights must stay "
                   "as they are; build the average in a new tensor")
        want = _reference_ema(average, current, decay)
        for k, w in want.items():
            got = out[k]
            expect(isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(w.shape),
                   f"{what}[{k!r}] should be a tensor of shape {tuple(w.shape)}, got "
                   f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}")
            if not w.dtype.is_floating_point:
                expect(torch.equal(got, w), f"{what}[{k!r}] is an integer counter, not a weight: copy it from "
                       f"current (expected {w.tolist()}, got {got.tolist()})")
                continue
            if torch.allclose(got.double(), w.double(), atol=1e-6):
                continue
            swapped = (1 - decay) * average[k] + decay * current[k]
            expect(not torch.allclose(got.double(), swapped.double(), atol=1e-6),
                   f"{what}[{k!r}]: decay weighs the OLD average: decay * average + (1 - decay) * current")
            expect(False, f"{what}[{k!r}] should be decay * average + (1 - decay) * current; the largest "
                   f"difference is {float((got.double() - w.double()).abs().max()):.3g}")
    # the course uses it on a real generator's state_dict
    from qgan_helpers.models import PatchQuantumGenerator

    torch.manual_seed(0)
    model = PatchQuantumGenerator(n_qubits=3, n_ancillas=1, depth=2, n_generators=2, n_pixels=8)
    avg = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    out = ema_update(avg, model.state_dict(), 0.75)
    expect(isinstance(out, dict) and "weights" in out and torch.allclose(out["weights"], 0.25 * model.weights.detach()),
           "applied to a generator's state_dict() with a zero average and decay 0.75 the result should be "
           "0.25 * the weights")
    expect(not out["weights"].requires_grad, "the average should not track gradients (use .detach())")
