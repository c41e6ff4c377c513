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
    (
        "Copy step 2 of train_step above: the same five moves, with the function's arguments in place of "
        "gen, disc and opt_g.",
        "Gradients add up in .grad, so clear them first with optimizer.zero_grad(). The discriminator returns "
        "logits, and -log D(G(z)) = softplus(-logit): torch.nn.functional.softplus(-logits).mean() is the loss.",
        "optimizer.zero_grad(); logits = discriminator(generator(noise)); loss = F.softplus(-logits).mean(); "
        "loss.backward(); optimizer.step(); return loss.item(). The optimizer holds only the generator's "
        "parameters, so the discriminator does not change.",
    ),
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
    (
        "Count circuits first, then the runs of one circuit. How many separate circuits does a batch need, "
        "given that every sub-generator paints its own patch of every image?",
        "n_generators * batch_size circuits. Each runs once for the forward pass; its trainable angles are the "
        "depth * n_qubits RY weights (the noise angles are not trained).",
        "The parameter-shift rule runs a circuit twice per trainable angle (+pi/2 and -pi/2), so one circuit "
        "costs 1 + 2 * depth * n_qubits runs: return n_generators * batch_size * (1 + 2 * depth * n_qubits).",
    ),
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
    (
        "Loop over current.items() and build a new dict; decay weighs the OLD average (0.99 keeps 99 % of it).",
        "A tensor is a weight to average when value.dtype.is_floating_point; anything else (an integer "
        "counter) is copied with value.clone(). Take value.detach() so that no gradient is tracked.",
        "for key, value in current.items(): value = value.detach(); new[key] = decay * average[key] + "
        "(1 - decay) * value if value.dtype.is_floating_point else value.clone(); return new.",
    ),
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


# --------------------------------------------------------------------------------------------
class _Recorder:
    """A scalar function of a sub-generator's angles that remembers every point it was run at."""

    def __init__(self, n_qubits: int, depth: int, seed: int) -> None:
        from qgan_helpers.models import PatchQuantumGenerator

        torch.manual_seed(seed)
        n_data = n_qubits - 1
        self.generator = PatchQuantumGenerator(n_qubits=n_qubits, n_ancillas=1, depth=depth, n_generators=1,
                                               n_pixels=2**n_data)
        self.circuit = self.generator.qnode()
        rng = torch.Generator().manual_seed(seed)
        self.noise = self.generator.sample_noise(1, rng)[0].double()
        self.weights = self.generator.weights[0].detach().double()
        # a fixed mix of the outcome probabilities: any scalar the loss might make of them
        self.mix = torch.linspace(-1.0, 1.0, 2**n_qubits, dtype=torch.float64)
        self.calls: list[torch.Tensor] = []

    def __call__(self, weights: torch.Tensor) -> torch.Tensor:
        expect(isinstance(weights, torch.Tensor) and tuple(weights.shape) == tuple(self.weights.shape),
               f"f was called with {type(weights).__name__} {tuple(getattr(weights, 'shape', ()))}; call it with a "
               f"tensor of the same shape as `weights`, {tuple(self.weights.shape)}")
        self.calls.append(weights.detach().clone().double())
        return (self.circuit(self.noise, weights.double()) * self.mix).sum()

    def autograd(self) -> torch.Tensor:
        w = self.weights.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad((self.circuit(self.noise, w) * self.mix).sum(), w)
        return grad


def _shift_calls_ok(rec: _Recorder, what: str) -> None:
    """Every run of the circuit was at the weights shifted by +-pi/2 in one angle (the forward run allowed once)."""
    p = rec.weights.numel()
    shifted = []
    for w in rec.calls:
        diff = (w - rec.weights).flatten()
        moved = torch.nonzero(diff.abs() > 1e-12).flatten()
        if len(moved) == 0:
            continue
        expect(len(moved) == 1, f"{what} ran the circuit with {len(moved)} angles moved at once; the rule shifts ONE "
               "angle at a time and leaves the others as they are")
        step = float(diff[moved[0]])
        expect(abs(abs(step) - np.pi / 2) < 1e-9, f"{what} shifted an angle by {step:+.3g}; the parameter-shift "
               "rule shifts by exactly +pi/2 and -pi/2 (a small step would be a finite difference, which is "
               "only approximate and drowns in shot noise on a device)")
        shifted.append((int(moved[0]), step > 0))
    unshifted = len(rec.calls) - len(shifted)
    expect(shifted or not unshifted, f"{what} ran the circuit only at the unshifted angles: a gradient from "
           "backward() needs the state vector, which a device never shows; run f at shifted angles instead")
    expect(unshifted <= 1, f"{what} ran the circuit {unshifted} times at the unshifted angles; the gradient needs "
           "only the shifted runs")
    expect(len(shifted) == 2 * p and len(set(shifted)) == 2 * p,
           f"{what} ran {len(shifted)} shifted circuits; for {p} angles the rule needs {2 * p}: each angle once at "
           "+pi/2 and once at -pi/2")


@register(
    "ex-training-pshift",
    "An experiment: the whole gradient of a sub-generator's circuit by parameter shift, against autograd",
    (
        "The cell above shifted one angle, [2, 3]. Do the same for every index of `weights`, and put each result "
        "in a tensor of the same shape.",
        "Loop over the indices (for index in np.ndindex(weights.shape)); build shift = torch.zeros_like(weights) "
        "with shift[index] = math.pi / 2, and run f at weights + shift and at weights - shift.",
        "grad = torch.zeros_like(weights); for each index: grad[index] = (f(weights + shift) - f(weights - shift)) "
        "/ 2; return grad. Do not call backward(): the point is that only circuit runs are needed.",
    ),
    "shift_gradient",
)
def _check_pshift(shift_gradient: Any) -> None:
    expect(callable(shift_gradient), "shift_gradient should be a function of (f, weights)")
    for n_qubits, depth, seed in ((3, 2, 0), (4, 3, 1)):
        rec = _Recorder(n_qubits, depth, seed)
        what = f"shift_gradient(f, weights) for a {n_qubits}-qubit circuit of depth {depth}"
        got = shift_gradient(rec, rec.weights.clone())
        expect(isinstance(got, torch.Tensor), f"{what} should return a torch tensor, got {type(got).__name__}")
        expect(tuple(got.shape) == tuple(rec.weights.shape),
               f"{what} should return one derivative per angle, shape {tuple(rec.weights.shape)}; got "
               f"{tuple(got.shape)}")
        got = got.detach().double()
        expect(bool(torch.isfinite(got).all()), f"{what} returned NaN or infinity")
        _shift_calls_ok(rec, what)
        want = rec.autograd()
        if torch.allclose(got, want, atol=1e-8):
            continue
        expect(not torch.allclose(got, 2 * want, atol=1e-8), f"{what} is twice autograd's gradient: divide the "
               "difference of the two shifted runs by 2")
        expect(not torch.allclose(got, -want, atol=1e-8), f"{what} has the wrong sign: f(w + shift) - f(w - shift)")
        expect(False, f"{what} differs from autograd's gradient by up to "
               f"{float((got - want).abs().max()):.2g}; check that each index gets its own shifted pair")
