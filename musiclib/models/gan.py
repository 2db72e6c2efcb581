"""Generative adversarial networks (生成对抗网络) on one-bar piano rolls, and the tools to judge them.

* The math of the lesson in NumPy: :func:`optimal_discriminator` (D* = p_data / (p_data + p_g)),
  :func:`js_divergence`, and the losses :func:`discriminator_loss` / :func:`generator_loss`
  (``"bce"`` = the original minimax game with the non-saturating generator loss,
  ``"hinge"``, ``"wgan-gp"``; they take the discriminator's *logits*).
* :class:`GAN` — a subclassed ``keras.Model`` with its own ``compile`` (two optimizers) and
  ``train_step`` (one discriminator step, one generator step), for any generator and
  discriminator: the DCGAN of the lesson (:func:`build_generator`, :func:`build_discriminator`
  on 16 x 48 rolls) or the small MLPs of the toy problems (:func:`build_mlp`).
* :class:`GANRecipe` — the public recipe of the shipped generator; :func:`train_roll_gan`
  trains it with per-epoch metrics; :class:`RollGenerator` generates binary rolls
  (hard threshold, a threshold calibrated to the data's density, or Bernoulli sampling).
* :func:`save_roll_generator` / :func:`load_roll_generator` — the checkpoint of the generator
  (``musiclib/checkpoints/gan_generator.keras`` and its JSON record, loaded with safe_mode).
* Judging generated bars against real ones: :func:`bernoulli_baseline`, :func:`random_rolls`,
  :func:`c2st_accuracy` (a small convolutional real-vs-generated classifier) and
  :func:`evaluate_rolls`, which uses the roll metrics of :mod:`musiclib.features`.

Importing this module imports TensorFlow (several seconds).

Taught in: notebooks/05_gan_music_generation.ipynb
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from musiclib.config import quiet_tensorflow, seed_everything
from musiclib.errors import CheckpointError, DataError, RepresentationError, ShapeError
from musiclib.features import (
    copy_rate,
    long_note_share,
    nearest_neighbour_distance,
    one_step_holes,
    roll_metrics,
    roll_pitch_class_entropy,
    set_diversity,
    unique_rate,
)
from musiclib.fileio import atomic_write_text, check_can_write
from musiclib.models.adversarial import (
    BAR_SHAPE,
    BINARY_NEURONS,
    GAN,
    LOSSES,
    NoiseToSamples,
    _check_choice,
    check_rolls,
    check_seed,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    js_divergence,
    optimal_discriminator,
)
from musiclib.models.voice_gan import GAN_GENERATOR, VoiceGenerator, load_voice_generator
from musiclib.models.voice_gan import KIND as VOICE_KIND
from musiclib.pretrained import CHECKPOINT_DIR, load_keras_checkpoint, read_record, save_keras_checkpoint

quiet_tensorflow()

import keras  # noqa: E402  (after quiet_tensorflow)
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

__all__ = [
    "BAR_SHAPE",
    "GAN_GENERATOR",
    "ROLL_DCGAN",
    "LOSSES",
    "BINARIZATIONS",
    "BINARY_NEURONS",
    "GANRecipe",
    "GAN",
    "GANResult",
    "RollGenerator",
    "check_rolls",
    "optimal_discriminator",
    "js_divergence",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "build_generator",
    "build_discriminator",
    "build_mlp",
    "fit_gan",
    "make_gan",
    "train_roll_gan",
    "binarize",
    "calibrate_threshold",
    "bernoulli_baseline",
    "random_rolls",
    "c2st_accuracy",
    "logistic_c2st_accuracy",
    "c2st_null_sd",
    "evaluate_rolls",
    "evaluate_generator",
    "format_metrics_table",
    "ring_of_gaussians",
    "mode_coverage",
    "save_roll_generator",
    "load_roll_generator",
    "COLLAPSE_RECORD",
    "collapse_demo_recipes",
    "detect_collapse",
    "pack_rolls",
    "unpack_rolls",
    "run_collapse_demo",
    "run_loss_comparison",
    "loss_comparison_recipes",
    "load_loss_comparison",
    "save_comparison_record",
    "load_collapse_record",
]

#: The plain piano-roll DCGAN of the lesson's first model (diagnosed in notebook 05).
ROLL_DCGAN = CHECKPOINT_DIR / "gan_roll_dcgan.keras"
COLLAPSE_RECORD = CHECKPOINT_DIR / "gan_collapse.json"
BINARIZATIONS = ("threshold", "calibrated", "bernoulli")
_TRAIN_COMMAND = "python -m musiclib.train gan-dcgan"


# --------------------------------------------------------------------------- recipe and networks
@dataclass
class GANRecipe:
    """How the shipped roll GAN is built and trained (epochs are for the ``cpu`` profile).

    Attributes
    ----------
    z_dim : int
        Length of the noise vector z ~ N(0, I).
    g_filters : tuple of int
        Channels of the generator after the dense layer (4 x 12 grid) and after each of its
        two transposed convolutions (8 x 24, then 16 x 48).
    d_filters : tuple of int
        Channels of the discriminator's two strided convolutions.
    loss : str
        ``"bce"`` (non-saturating), ``"hinge"`` or ``"wgan-gp"``.
    smoothing : float
        Target for real bars in the ``bce`` loss (one-sided label smoothing).
    gp_weight : float
        lambda of the gradient penalty (``wgan-gp`` only).
    d_steps : int
        Discriminator steps per generator step.
    g_steps : int
        Generator steps per training step (after the discriminator's): more than 1 lets the
        generator chase a discriminator that hardly moves (the collapse demo of the lesson).
    lr_g, lr_d, beta_1 : float
        Adam settings of the two players.
    batch_size, epochs : int
    binary_neurons : str
        What the discriminator sees of a generated bar during training: ``"none"`` the
        probabilities, ``"stochastic"`` a Bernoulli sample of them, ``"deterministic"`` the
        cells above 0.5; gradients pass straight through the sampling (BinaryMuseGAN's
        binary neurons), so real and generated bars are both binary for the discriminator.
    last_kernel : (int, int)
        (steps, pitches) of the generator's last convolution: (1, 19) is one step wide, so each
        step's chord is drawn on its own; a longer extent in time lets neighbouring steps agree.
    hold_steps : int
        1: every step free; 2: the probabilities of each pair of steps are averaged, so each
        pair is on or off together (eighth-note resolution: no sixteenth notes).
    binarization : str
        How :class:`RollGenerator` turns probabilities into notes by default:
        ``"threshold"`` (p > 0.5), ``"calibrated"`` (a threshold chosen so the share of
        active cells equals the training data's) or ``"bernoulli"`` (each cell on with
        probability p).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """

    z_dim: int = 32
    g_filters: tuple[int, int, int] = (64, 32, 16)
    d_filters: tuple[int, int] = (32, 64)
    loss: str = "hinge"
    smoothing: float = 0.9
    gp_weight: float = 10.0
    d_steps: int = 1
    g_steps: int = 1
    lr_g: float = 2e-4
    lr_d: float = 1e-4
    beta_1: float = 0.5
    batch_size: int = 64
    epochs: int = 120
    binarization: str = "calibrated"
    binary_neurons: str = "deterministic"
    last_kernel: tuple[int, int] = (1, 19)
    hold_steps: int = 1

    def __post_init__(self) -> None:
        _check_choice(self.loss, "loss", LOSSES)
        _check_choice(self.binarization, "binarization", BINARIZATIONS)
        _check_choice(self.binary_neurons, "binary_neurons", BINARY_NEURONS)
        self.g_filters = tuple(int(x) for x in self.g_filters)  # JSON gives lists
        self.d_filters = tuple(int(x) for x in self.d_filters)
        self.last_kernel = tuple(int(x) for x in self.last_kernel)
        if len(self.last_kernel) != 2 or min(self.last_kernel) < 1:
            raise RepresentationError(f"argument 'last_kernel' must be two positive sizes, got {self.last_kernel!r}")
        if self.hold_steps not in (1, 2, 4):
            raise RepresentationError(f"argument 'hold_steps' must be 1, 2 or 4, got {self.hold_steps!r}")
        if len(self.g_filters) != 3 or len(self.d_filters) != 2:
            raise RepresentationError("arguments 'g_filters' and 'd_filters' need 3 and 2 channel counts")

    def to_dict(self) -> dict:
        """The recipe as JSON-ready values."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def build_generator(recipe: GANRecipe | None = None) -> keras.Model:
    """DCGAN generator: z -> dense 4 x 12 -> transposed convolutions -> 16 x 48 x 1 probabilities.

    Built from Keras layers only (no custom code), so its checkpoint loads with safe_mode.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or GANRecipe()
    c0, c1, c2 = r.g_filters
    z = keras.Input(shape=(r.z_dim,), name="z")
    x = layers.Dense(4 * 12 * c0, use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((4, 12, c0))(x)
    for c in (c1, c2):
        x = layers.Conv2DTranspose(c, (4, 4), strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    # the last convolution: by default one step wide and an octave and a half tall (chords are vertical)
    x = layers.Conv2D(1, r.last_kernel, padding="same", activation="sigmoid")(x)
    if r.hold_steps > 1:  # each group of hold_steps steps shares one probability
        x = layers.AveragePooling2D((r.hold_steps, 1))(x)
        x = layers.UpSampling2D((r.hold_steps, 1))(x)
    out = layers.Reshape(BAR_SHAPE, name="roll")(x)
    return keras.Model(z, out, name="generator")


def build_discriminator(recipe: GANRecipe | None = None) -> keras.Model:
    """DCGAN discriminator: 16 x 48 roll -> two strided convolutions -> one logit.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or GANRecipe()
    x_in = keras.Input(shape=BAR_SHAPE, name="roll")
    x = layers.Reshape((*BAR_SHAPE, 1))(x_in)
    for c in r.d_filters:
        x = layers.Conv2D(c, (4, 4), strides=2, padding="same")(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, name="logit")(x)
    return keras.Model(x_in, out, name="discriminator")


def build_mlp(n_in: int, n_out: int, *, hidden: Sequence[int] = (64, 64), name: str = "mlp",
              out_activation: str | None = None) -> keras.Model:
    """A small multilayer perceptron (ReLU hidden layers), for the toy GANs.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    x_in = keras.Input(shape=(int(n_in),))
    x = x_in
    for h in hidden:
        x = layers.Dense(int(h), activation="relu")(x)
    out = layers.Dense(int(n_out), activation=out_activation)(x)
    return keras.Model(x_in, out, name=name)


@dataclass
class GANResult:
    """A trained GAN, its per-epoch history (losses and metrics) and the seconds it took.

    Used by: musiclib.models.gan.fit_gan, train_roll_gan (notebook 05 plots its history)
    """

    gan: GAN
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    epochs_run: int = 0


def fit_gan(gan: GAN, data: np.ndarray, *, epochs: int, batch_size: int = 64, seed: int = 0,
            max_seconds: float | None = None,
            on_epoch: Callable[[int, dict[str, float]], dict[str, float] | None] | None = None) -> GANResult:
    """Train a compiled :class:`GAN` epoch by epoch on ``data`` (shuffled, last partial batch dropped).

    ``on_epoch(epoch, logs)`` is called after each epoch; the numbers it returns are added
    to the history (e.g. metrics of generated samples). Stops early after ``max_seconds``.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    x = np.asarray(data, dtype=np.float32)
    if x.shape[0] < batch_size:
        raise DataError(f"argument 'data' holds {x.shape[0]} samples; need at least batch_size={batch_size}")
    ds = (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
          .batch(batch_size, drop_remainder=True).prefetch(2))
    result = GANResult(gan)
    t0 = time.perf_counter()
    for epoch in range(int(epochs)):
        h = gan.fit(ds, epochs=1, verbose=0, shuffle=False)
        logs = {k: float(v[-1]) for k, v in h.history.items()}
        extra = on_epoch(epoch, logs) if on_epoch is not None else None
        for k, v in {**logs, **(extra or {})}.items():
            result.history.setdefault(k, []).append(float(v))
        result.epochs_run = epoch + 1
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            break
    result.seconds = time.perf_counter() - t0
    return result


def make_gan(recipe: GANRecipe | None = None, *, seed: int = 0) -> GAN:
    """A compiled, untrained roll GAN built from ``recipe``.

    Used by: musiclib.models.gan.train_roll_gan
    """
    r = recipe or GANRecipe()
    seed_everything(seed)
    gan = GAN(build_generator(r), build_discriminator(r), z_dim=r.z_dim, loss=r.loss,
              smoothing=r.smoothing if r.loss == "bce" else 1.0, gp_weight=r.gp_weight, d_steps=r.d_steps,
              g_steps=r.g_steps, seed=seed, binary_neurons=r.binary_neurons)
    gan.compile(g_optimizer=keras.optimizers.Adam(r.lr_g, beta_1=r.beta_1),
                d_optimizer=keras.optimizers.Adam(r.lr_d, beta_1=r.beta_1))
    return gan



def train_roll_gan(train: np.ndarray, recipe: GANRecipe | None = None, *, epochs: int | None = None,
                   seed: int = 0, max_seconds: float | None = None, monitor_every: int = 1,
                   n_monitor: int = 256, on_epoch: Callable[[int, dict[str, float]], None] | None = None
                   ) -> tuple[RollGenerator, GANResult]:
    """Train the roll GAN; every ``monitor_every`` epochs, measure ``n_monitor`` generated bars.

    The history gets, per monitored epoch: ``density`` (share of active cells, before
    binarising = mean probability), ``polyphony``, ``used_pitch_classes``, ``diversity``
    and ``unique_rate`` of bars binarised as the recipe says — the curves that show
    over-filling early in training and mode collapse.

    Returns
    -------
    (RollGenerator, GANResult)

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    r = recipe or GANRecipe()
    x = check_rolls(train, "train")
    density = float(x.mean())
    gan = make_gan(r, seed=seed)
    gen = RollGenerator(gan.generator, z_dim=r.z_dim, binarization=r.binarization, data_density=density)
    z_fixed = np.random.default_rng(seed + 1).standard_normal((n_monitor, r.z_dim)).astype(np.float32)

    def _monitor(epoch: int, logs: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        if monitor_every and (epoch + 1) % monitor_every == 0:
            probs = gen.probabilities(z=z_fixed)
            gen.threshold = calibrate_threshold(probs, density)
            bars = binarize(probs, r.binarization, threshold=gen.threshold, seed=seed)
            m = roll_metrics(bars)
            out = {"mean_probability": float(probs.mean()), "polyphony": m["polyphony"],
                   "used_pitch_classes": m["used_pitch_classes"], "diversity": set_diversity(bars),
                   "unique_rate": unique_rate(bars)}
        if on_epoch is not None:
            on_epoch(epoch, {**logs, **out})
        return out

    result = fit_gan(gan, x, epochs=epochs if epochs is not None else r.epochs, batch_size=r.batch_size, seed=seed,
                     max_seconds=max_seconds, on_epoch=_monitor)
    gen.threshold = calibrate_threshold(gen.probabilities(n=2000, seed=seed + 2), density)
    gen.record = {"kind": "gan_generator", "recipe": r.to_dict(), "threshold": gen.threshold,
                  "data_density": density}
    return gen, result


# --------------------------------------------------------------------------- generation
def binarize(probs: np.ndarray, method: str = "threshold", *, threshold: float = 0.5, seed: int = 0) -> np.ndarray:
    """Turn cell probabilities into a binary roll (uint8).

    ``"threshold"`` / ``"calibrated"``: cell on when p > ``threshold``; ``"bernoulli"``: cell on
    with probability p (independent draws, ``seed``).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    _check_choice(method, "method", BINARIZATIONS)
    p = np.asarray(probs, dtype=np.float64)
    if p.size and (not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1):
        raise RepresentationError("argument 'probs' must hold probabilities in [0, 1]")
    if method == "bernoulli":
        return (np.random.default_rng(seed).random(p.shape) < p).astype(np.uint8)
    return (p > float(threshold)).astype(np.uint8)


def calibrate_threshold(probs: np.ndarray, density: float) -> float:
    """The threshold t for which the share of cells with p > t equals ``density``.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    p = np.asarray(probs, dtype=np.float64).ravel()
    if p.size == 0:
        raise ShapeError("argument 'probs' is empty")
    if not 0 < density < 1:
        raise RepresentationError(f"argument 'density' must lie in (0, 1), got {density!r}")
    return float(np.quantile(p, 1.0 - density))


class RollGenerator(NoiseToSamples):
    """A trained generator that writes bars: probabilities, then binary rolls.

    Parameters
    ----------
    generator : keras.Model
        z (n, z_dim) -> probabilities (n, 16, 48).
    z_dim : int
    binarization : str
        Default method of :meth:`sample` (see :func:`binarize`).
    threshold : float
        Used by ``"threshold"`` (0.5 is used) and ``"calibrated"`` (this value).
    data_density : float
        Share of active cells in the training bars.
    record : dict
        The JSON record of a loaded checkpoint.

    Used by: musiclib.models.gan.load_roll_generator, train_roll_gan (notebook 05 samples with it)
    """

    def __init__(self, generator: keras.Model, *, z_dim: int, binarization: str = "calibrated",
                 threshold: float = 0.5, data_density: float | None = None, record: dict | None = None) -> None:
        self.generator = generator
        self.z_dim = int(z_dim)
        self.binarization = _check_choice(binarization, "binarization", BINARIZATIONS)
        self.threshold = float(threshold)
        self.data_density = data_density
        self.record = record or {}

    def __repr__(self) -> str:
        return (f"RollGenerator(z_dim={self.z_dim}, binarization={self.binarization!r}, "
                f"threshold={self.threshold:.3f}, parameters={self.generator.count_params()})")

    def probabilities(self, n: int = 16, *, seed: int = 0, z: np.ndarray | None = None) -> np.ndarray:
        """Cell probabilities, shape (n, 16, 48), for ``n`` noise vectors (or the given ``z``)."""
        return self._outputs(n, seed, z).astype(np.float64)

    def sample(self, n: int = 16, *, seed: int = 0, method: str | None = None,
               threshold: float | None = None) -> np.ndarray:
        """Binary bars (uint8), shape (n, 16, 48): probabilities then :func:`binarize`.

        ``method`` defaults to the generator's ``binarization``; ``"threshold"`` uses 0.5
        unless ``threshold`` is given, ``"calibrated"`` the calibrated threshold.
        """
        m = method or self.binarization
        seed = check_seed(seed)
        p = self.probabilities(n, seed=seed)
        t = threshold if threshold is not None else (self.threshold if m == "calibrated" else 0.5)
        return binarize(p, m, threshold=t, seed=seed + 7919)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False, record: dict | None = None) -> Path:
        """Write the generator (.keras) and its JSON record (see :func:`save_roll_generator`)."""
        return save_roll_generator(self, path, overwrite=overwrite, record=record)


# --------------------------------------------------------------------------- baselines and evaluation
def bernoulli_baseline(train: np.ndarray, n: int, *, seed: int = 0) -> np.ndarray:
    """Bars whose every (step, pitch) cell is on independently with the data's marginal rate there.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    rate = check_rolls(train, "train").mean(axis=0)
    return (np.random.default_rng(seed).random((int(n), *BAR_SHAPE)) < rate).astype(np.uint8)


def random_rolls(n: int, density: float, *, seed: int = 0) -> np.ndarray:
    """Bars whose every cell is on independently with one probability ``density``.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    if not 0 <= density <= 1:
        raise RepresentationError(f"argument 'density' must lie in [0, 1], got {density!r}")
    return (np.random.default_rng(seed).random((int(n), *BAR_SHAPE)) < density).astype(np.uint8)


def _c2st_model() -> keras.Model:
    x_in = keras.Input(shape=BAR_SHAPE)
    x = layers.Reshape((*BAR_SHAPE, 1))(x_in)
    x = layers.Conv2D(16, (3, 3), padding="same", activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Conv2D(32, (3, 3), padding="same", activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation="relu")(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(x_in, out)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def c2st_accuracy(real: np.ndarray, fake: np.ndarray, *, seed: int = 0, epochs: int = 15) -> float:
    """Classifier two-sample test: held-out accuracy of a small CNN telling ``real`` from ``fake``.

    Both sets are cut to the same size n, shuffled and split in two halves; a convolutional
    classifier trained on one half is scored on the other, and vice versa (2-fold); the mean
    accuracy is returned. 0.5 = the classifier cannot tell them apart; 1.0 = always can.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    def fit_predict(x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, fold: int) -> np.ndarray:
        keras.utils.set_random_seed(seed + fold)
        model = _c2st_model()
        _ = model.fit(x_tr, y_tr.astype(np.float32), epochs=epochs, batch_size=64, shuffle=True, verbose=0)
        return np.asarray(model.predict(x_te, verbose=0)).ravel() > 0.5

    return _two_fold_accuracy(check_rolls(real, "real"), check_rolls(fake, "fake"), seed, fit_predict)


def _two_fold_accuracy(a: np.ndarray, b: np.ndarray, seed: int,
                       fit_predict: Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]) -> float:
    """The C2ST protocol: n bars per set, shuffled, two folds, mean held-out accuracy."""
    n = min(len(a), len(b))
    if n < 20:
        raise DataError(f"the C2ST needs at least 20 bars per set, got {n}")
    rng = np.random.default_rng(seed)
    a = a[rng.permutation(len(a))[:n]]
    b = b[rng.permutation(len(b))[:n]]
    half = n // 2
    accs = []
    for fold, (tr, te) in enumerate(((slice(0, half), slice(half, n)), (slice(half, n), slice(0, half)))):
        x_tr = np.concatenate([a[tr], b[tr]])
        y_tr = np.concatenate([np.ones(len(a[tr])), np.zeros(len(b[tr]))])
        x_te = np.concatenate([a[te], b[te]])
        y_te = np.concatenate([np.ones(len(a[te])), np.zeros(len(b[te]))])
        accs.append(float(np.mean(fit_predict(x_tr, y_tr, x_te, fold) == (y_te > 0.5))))
    return float(np.mean(accs))


def logistic_c2st_accuracy(real: np.ndarray, fake: np.ndarray, *, seed: int = 0, alpha: float = 0.01,
                           iterations: int = 25) -> float:
    """Classifier two-sample test with a logistic regression on the raw cells of the bars.

    As :func:`c2st_accuracy` (equal sizes n, two folds, mean held-out accuracy), but the
    classifier is p(real | x) = sigmoid(w . x + b) on the 768 cells, fitted by Newton's
    method on the mean log-loss + alpha/2 |w|^2. It sees only which cells are on, not
    their shapes: it catches a generator whose cell rates are off (a first-order test).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    if not alpha > 0:
        raise RepresentationError(f"argument 'alpha' must be positive, got {alpha!r}")

    def fit_predict(x: np.ndarray, y: np.ndarray, x_te: np.ndarray, fold: int) -> np.ndarray:
        xb = np.hstack([x, np.ones((len(x), 1))])
        w = np.zeros(xb.shape[1])
        reg = np.full(xb.shape[1], alpha)
        reg[-1] = 0.0  # no penalty on the bias
        for _ in range(int(iterations)):
            p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
            grad = xb.T @ (p - y) / len(y) + reg * w
            hess = (xb * (p * (1 - p))[:, None]).T @ xb / len(y) + np.diag(reg + 1e-9)
            w -= np.linalg.solve(hess, grad)
        return np.hstack([x_te, np.ones((len(x_te), 1))]) @ w > 0

    a = check_rolls(real, "real")
    b = check_rolls(fake, "fake")
    return _two_fold_accuracy(a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64),
                              seed, fit_predict)


def c2st_null_sd(n: int) -> float:
    """Standard deviation of a C2ST's accuracy when the two sets come from one distribution.

    With n bars per set, each bar of both sets is scored once, by the fold that did not train
    on it: m = 2 n held-out predictions, each right with probability 1/2 under the null, so
    the accuracy is about N(1/2, 1 / (4 m)) and sd = 1 / (2 sqrt(2 n)). An accuracy more than
    about 2 sd above 1/2 tells the sets apart.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise RepresentationError(f"argument 'n' must be an integer >= 2, got {n!r}")
    return float(1.0 / (2.0 * math.sqrt(2 * int(n))))


def evaluate_rolls(rolls: np.ndarray, train: np.ndarray, heldout: np.ndarray, *, seed: int = 0,
                   c2st: bool = True, real_for_c2st: np.ndarray | None = None) -> dict[str, float]:
    """Every metric of the lesson's table for one set of binary bars.

    Per-bar means from :func:`musiclib.features.roll_metrics` (``used_pitch_classes``,
    ``qualified_note_rate`` at the eighth-note threshold, ``scale_consistency``,
    ``polyphony``), ``holes_per_bar`` (:func:`musiclib.features.one_step_holes`), ``long_note_share``
    (notes of >= 5 sixteenths) and :func:`musiclib.features.roll_pitch_class_entropy`; set-level
    ``diversity``, ``unique_rate``, ``copy_rate`` (of ``train`` bars), ``nn_distance`` (mean
    Hamming distance to the nearest ``train`` bar), ``density``; and ``c2st_accuracy`` of the
    set against ``heldout`` (or against ``real_for_c2st``: the data row compares training bars
    with held-out ones), with a convolutional classifier and ``logistic_c2st_accuracy`` with a
    logistic regression on the raw cells.

    Used by: musiclib.models.gan.evaluate_generator
    """
    x = check_rolls(rolls, "rolls")
    tr = check_rolls(train, "train")
    ho = check_rolls(heldout, "heldout")
    m = roll_metrics(x)
    ent = [roll_pitch_class_entropy(r) for r in x]
    out = {"used_pitch_classes": m["used_pitch_classes"], "qualified_note_rate": m["qualified_note_rate_8th"],
           "holes_per_bar": float(np.mean([one_step_holes(r) for r in x])), "long_note_share": long_note_share(x),
           "scale_consistency": m["scale_consistency"], "polyphony": m["polyphony"],
           "pitch_class_entropy": float(np.nanmean(ent)) if np.isfinite(ent).any() else math.nan,
           "density": float(x.mean()), "diversity": set_diversity(x), "unique_rate": unique_rate(x),
           "copy_rate": copy_rate(x, tr), "nn_distance": float(nearest_neighbour_distance(x, tr).mean())}
    if c2st:
        other = ho if real_for_c2st is None else check_rolls(real_for_c2st, "real_for_c2st")
        out["c2st_accuracy"] = c2st_accuracy(other, x, seed=seed)
        out["logistic_c2st_accuracy"] = logistic_c2st_accuracy(other, x, seed=seed)
    return out


def evaluate_generator(gen: RollGenerator, train: np.ndarray, heldout: np.ndarray, *, n: int = 2000,
                       seed: int = 0, methods: Sequence[str] = ()) -> dict[str, dict[str, float]]:
    """The lesson's table: held-out data, the GAN, the independent-Bernoulli baseline, random rolls.

    ``n`` bars are generated with noise seed ``seed`` and the generator's binarization; the
    baselines get ``n`` bars each (Bernoulli at the training bars' per-cell rates, random at
    their overall density). The ``data`` row measures the held-out bars, its C2ST compares
    training bars with held-out ones. ``methods`` adds rows ``gan_<method>`` for other
    binarisations of the same probabilities.

    Returns
    -------
    dict
        ``{"data": {...}, "gan": {...}, "bernoulli": {...}, "random": {...}, ...}``, each from
        :func:`evaluate_rolls`.

    Used by: musiclib.train (python -m musiclib.train gan)
    """
    tr = check_rolls(train, "train")
    ho = check_rolls(heldout, "heldout")
    sample_train = tr[np.random.default_rng(seed).permutation(len(tr))[:len(ho)]]
    out = {"data": evaluate_rolls(ho, tr, ho, seed=seed, real_for_c2st=sample_train),
           "gan": evaluate_rolls(gen.sample(n, seed=seed), tr, ho, seed=seed),
           "bernoulli": evaluate_rolls(bernoulli_baseline(tr, n, seed=seed), tr, ho, seed=seed),
           "random": evaluate_rolls(random_rolls(n, float(tr.mean()), seed=seed), tr, ho, seed=seed)}
    for m in methods:
        out[f"gan_{m}"] = evaluate_rolls(gen.sample(n, seed=seed, method=m), tr, ho, seed=seed)
    return out


_TABLE_KEYS = ("used_pitch_classes", "qualified_note_rate", "holes_per_bar", "long_note_share", "scale_consistency",
               "polyphony", "diversity", "copy_rate", "nn_distance", "c2st_accuracy", "logistic_c2st_accuracy")
_TABLE_HEAD = ("UPC", "QN(8th)", "holes", "long", "SC", "poly", "divers", "copies", "NN dist", "C2ST", "LR-C2ST")


def format_metrics_table(metrics: dict[str, dict[str, float]], *, sets: Sequence[str] | None = None) -> str:
    """A plain-text table: one row per set (data, gan, ...), one column per metric.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    names = list(sets or metrics)
    lines = [f"{'set':<14}" + "".join(f"{h:>9}" for h in _TABLE_HEAD)]
    for name in names:
        row = metrics[name]
        cells = []
        for k in _TABLE_KEYS:
            v = row.get(k, math.nan)
            cells.append(f"{v:>9.1f}" if k in ("diversity", "nn_distance") else f"{v:>9.3f}")
        lines.append(f"{name:<14}" + "".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------- toy problems
def ring_of_gaussians(n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0
                      ) -> np.ndarray:
    """``n`` points from ``modes`` Gaussians evenly spaced on a circle (the mode-collapse toy).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    rng = np.random.default_rng(seed)
    k = rng.integers(0, modes, size=int(n))
    angle = 2 * np.pi * k / modes
    centres = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return (centres + std * rng.standard_normal((int(n), 2))).astype(np.float32)


def mode_coverage(samples: np.ndarray, *, modes: int = 8, radius: float = 2.0, std: float = 0.05,
                  min_share: float = 0.02) -> tuple[int, float]:
    """How many ring modes the samples cover, and the share of samples near any mode.

    A sample is near mode k when it lies within 4 ``std`` of its centre (the "high-quality"
    rule of Srivastava et al. 2017, with 3 std there); a mode is covered when at least
    ``min_share`` of the samples are near it.

    Returns
    -------
    (n_covered, quality) : (int, float)

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ShapeError(f"argument 'samples' has shape {x.shape}; expected (n, 2)")
    angle = 2 * np.pi * np.arange(modes) / modes
    centres = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    d = np.linalg.norm(x[:, None, :] - centres[None], axis=2)
    near = d.min(axis=1) < 4 * std
    which = d.argmin(axis=1)[near]
    counts = np.bincount(which, minlength=modes)
    return int(np.sum(counts >= min_share * len(x))), float(near.mean())


# --------------------------------------------------------------------------- checkpoint
def save_roll_generator(gen: RollGenerator, path: str | os.PathLike, *, overwrite: bool = False,
                        record: dict | None = None) -> Path:
    """Save a :class:`RollGenerator` (.keras, no optimizer state) and its JSON record atomically.

    The record always holds ``kind``, ``z_dim``, ``binarization``, ``threshold`` and
    ``data_density``; ``record`` adds fields (seed, profile, metrics, ...).

    Used by: RollGenerator.save, musiclib.train
    """
    full = {**gen.record, **(record or {}), "kind": "gan_generator", "z_dim": gen.z_dim,
            "binarization": gen.binarization, "threshold": gen.threshold, "data_density": gen.data_density}
    target = save_keras_checkpoint(gen.generator, path, full, overwrite=overwrite)
    gen.record = read_record(target, required=("kind",))
    return target


def load_roll_generator(path: str | os.PathLike = GAN_GENERATOR) -> RollGenerator | VoiceGenerator:
    """Load a generator checkpoint safely (safe_mode) and check that it matches its record.

    Whatever the model inside, the result's ``sample(n, seed=...)`` returns binary piano
    rolls of shape (n, 16, 48) on the grid of ``datasets/chorale_bars.npz``, so every
    generator is judged by the same metrics.

    Parameters
    ----------
    path : .keras file
        Default: the shipped ``musiclib/checkpoints/gan_generator.keras``, the four-voice
        GAN (a :class:`musiclib.models.voice_gan.VoiceGenerator`); :data:`ROLL_DCGAN` is the
        plain piano-roll DCGAN (a :class:`RollGenerator`).

    Raises
    ------
    CheckpointError
        Missing or corrupt file, a missing record or one of another kind of model, or a
        model whose input/output shapes disagree with the record.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    p = Path(path)
    record = read_record(p, required=("kind", "z_dim"))
    if record["kind"] == VOICE_KIND:
        return load_voice_generator(p)
    if record["kind"] != "gan_generator":
        raise CheckpointError(f"checkpoint record {str(p.with_suffix('.json'))!r} is of kind {record['kind']!r}; "
                              f"expected 'gan_generator' or {VOICE_KIND!r}")
    for key in ("binarization", "threshold"):
        if key not in record:
            raise CheckpointError(f"checkpoint record of {str(p)!r} has no {key!r}")
    z_dim, threshold = record["z_dim"], record["threshold"]
    if isinstance(z_dim, bool) or not isinstance(z_dim, int) or z_dim < 1:
        raise CheckpointError(f"checkpoint record of {str(p)!r}: 'z_dim' is {z_dim!r}; expected a positive integer")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
        raise CheckpointError(f"checkpoint record of {str(p)!r}: 'threshold' is {threshold!r}; expected a number "
                              "in [0, 1]")
    model = load_keras_checkpoint(p, command=_TRAIN_COMMAND)
    in_shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    out_shape = tuple(model.outputs[0].shape[1:]) if getattr(model, "outputs", None) else None
    if in_shape != (z_dim,) or out_shape != BAR_SHAPE:
        raise CheckpointError(f"checkpoint {str(p)!r} maps {in_shape} -> {out_shape}; its record expects "
                              f"({z_dim},) -> {BAR_SHAPE}")
    try:
        binar = _check_choice(record["binarization"], "binarization", BINARIZATIONS)
    except RepresentationError as exc:
        raise CheckpointError(f"checkpoint record of {str(p)!r}: {exc}") from exc
    return RollGenerator(model, z_dim=z_dim, binarization=binar, threshold=float(threshold),
                         data_density=record.get("data_density"), record=record)


# --------------------------------------------------------------------------- a real mode collapse, and its fix
_COLLAPSE_COMMAND = "python -m musiclib.train gan-collapse"
_COLLAPSE_KEYS = ("diversity", "unique_rate", "polyphony", "d_loss", "g_loss")


def collapse_demo_recipes() -> dict[str, GANRecipe]:
    """The two recipes of the lesson's mode-collapse demonstration.

    ``"fixed"`` is the shipped recipe (:class:`GANRecipe`); ``"collapsed"`` is the same with a
    generator that learns far faster than the discriminator: ten times its learning rate and
    five generator steps per discriminator step (``g_steps=5``), so it chases the bars the
    current discriminator likes best before the discriminator can answer.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    fixed = GANRecipe()
    return {"collapsed": replace(fixed, g_steps=5, lr_g=10 * fixed.lr_g), "fixed": fixed}


def detect_collapse(diversity: Sequence[float], unique_rates: Sequence[float], data_diversity: float, *,
                    diversity_ratio: float = 0.5, min_unique: float = 0.5) -> int | None:
    """The first monitored point at which a run looks collapsed, or None.

    A point is flagged when the diversity of the generated bars is below ``diversity_ratio``
    times the data's (``data_diversity``), or when fewer than ``min_unique`` of them are
    distinct.

    Parameters
    ----------
    diversity, unique_rates : sequences of float
        One value per monitored epoch (as in the history of :func:`train_roll_gan`).
    data_diversity : float
        Diversity of as many real bars.

    Returns
    -------
    int or None
        Index into the sequences (0 = the first monitored point).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    d = np.asarray(diversity, dtype=np.float64)
    u = np.asarray(unique_rates, dtype=np.float64)
    if d.ndim != 1 or d.shape != u.shape:
        raise ShapeError(f"arguments 'diversity' {d.shape} and 'unique_rates' {u.shape} must be 1-D and of one length")
    if not data_diversity > 0:
        raise RepresentationError(f"argument 'data_diversity' must be positive, got {data_diversity!r}")
    flagged = np.flatnonzero((d < diversity_ratio * float(data_diversity)) | (u < min_unique))
    return int(flagged[0]) if flagged.size else None


def pack_rolls(bars: np.ndarray) -> list[str]:
    """Binary bars as short hex strings (768 cells -> 96 bytes -> 192 characters each), for JSON.

    Used by: musiclib.models.gan.run_collapse_demo (notebook 05 reads them with unpack_rolls)
    """
    x = check_rolls(bars, "bars").astype(np.uint8)
    return [np.packbits(b.ravel()).tobytes().hex() for b in x]


def unpack_rolls(codes: Sequence[str]) -> np.ndarray:
    """The inverse of :func:`pack_rolls`: hex strings -> uint8 bars, shape (n, 16, 48).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    n_cells = BAR_SHAPE[0] * BAR_SHAPE[1]
    out = []
    for i, c in enumerate(codes):
        try:
            raw = bytes.fromhex(c)
        except (TypeError, ValueError) as exc:
            raise RepresentationError(f"argument 'codes'[{i}] is not a hex string: {exc}") from exc
        if len(raw) != n_cells // 8:
            raise RepresentationError(f"argument 'codes'[{i}] holds {len(raw)} bytes; expected {n_cells // 8}")
        out.append(np.unpackbits(np.frombuffer(raw, dtype=np.uint8))[:n_cells].reshape(BAR_SHAPE))
    if not out:
        raise ShapeError("argument 'codes' holds no bars")
    return np.stack(out)


def _data_reference(ref: np.ndarray) -> dict:
    """Diversity, unique rate and polyphony of real bars: the dashed lines of a comparison record."""
    return {"diversity": round(set_diversity(ref), 4), "unique_rate": round(unique_rate(ref), 4),
            "polyphony": round(float(roll_metrics(ref)["polyphony"]), 4), "n_bars": int(len(ref))}


def _train_runs(x: np.ndarray, recipes: dict[str, GANRecipe], *, epochs: int, seeds: Sequence[int],
                n_monitor: int, n_keep: int, max_seconds: float | None, data_diversity: float,
                log: Callable[[str], None] | None,
                evaluate: Callable[[RollGenerator, int], dict[str, float]] | None = None) -> dict[str, dict]:
    """Train each recipe for each seed, monitoring every epoch; the ``runs`` of a comparison record."""
    say = log or (lambda s: None)
    runs: dict[str, dict] = {}
    for name, recipe in recipes.items():
        per_seed: dict[str, dict] = {}
        for seed in seeds:
            cpu0 = time.process_time()
            gen, result = train_roll_gan(x, recipe, epochs=epochs, seed=int(seed), max_seconds=max_seconds,
                                         monitor_every=1, n_monitor=n_monitor)
            cpu = time.process_time() - cpu0
            hist = {k: [round(float(v), 4) for v in result.history.get(k, [])]
                    for k in (*_COLLAPSE_KEYS, "d_real", "d_fake", "mean_probability")}
            idx = detect_collapse(hist["diversity"], hist["unique_rate"], data_diversity)
            entry = {"history": hist, "epochs_run": result.epochs_run,
                     "train_seconds": round(result.seconds, 1), "train_cpu_seconds": round(cpu, 1),
                     "collapse_index": idx, "bars": pack_rolls(gen.sample(n_keep, seed=int(seed) + 100))}
            if evaluate is not None:
                entry["metrics"] = {k: round(float(v), 4) for k, v in evaluate(gen, int(seed)).items()}
            per_seed[str(seed)] = entry
            say(f"{name} seed {seed}: {result.epochs_run} epochs in {result.seconds:.0f} s ({cpu:.0f} CPU s); "
                f"diversity " + " ".join(f"{v:.0f}" for v in hist["diversity"])
                + f"; final unique {hist['unique_rate'][-1]:.3f}; flagged at index {idx}"
                + (f"; metrics {entry['metrics']}" if evaluate is not None else ""))
        runs[name] = {"recipe": recipe.to_dict(), "seeds": per_seed}
    return runs


def run_collapse_demo(train: np.ndarray, *, epochs: int = 12, seeds: Sequence[int] = (0, 1), n_monitor: int = 256,
                      n_keep: int = 64, max_seconds: float | None = None,
                      log: Callable[[str], None] | None = None) -> dict:
    """Train the ``collapsed`` and the ``fixed`` recipe of :func:`collapse_demo_recipes` for each seed.

    Every epoch, ``n_monitor`` bars from fixed noise are measured (diversity, unique rate,
    polyphony, as in :func:`train_roll_gan`); at the end ``n_keep`` bars of each run are
    kept (packed with :func:`pack_rolls`) to be looked at.

    Returns
    -------
    dict
        The record: ``kind`` (``"gan_collapse_demo"``), ``epochs``, ``seeds``,
        ``data_reference`` (diversity, unique rate and polyphony of the first ``n_monitor``
        training bars), and ``runs`` = ``{"collapsed": ..., "fixed": ...}``, each with its
        ``recipe``, and per seed (``"0"``, ``"1"``, ...) the ``history`` (one value per
        epoch for diversity, unique_rate, polyphony, d_loss, g_loss, d_real, d_fake,
        mean_probability), ``train_seconds``, ``train_cpu_seconds``, ``collapse_index`` (see
        :func:`detect_collapse`) and ``bars``.

    Used by: musiclib.train (python -m musiclib.train gan-collapse)
    """
    x = check_rolls(train, "train")
    data_ref = _data_reference(x[:n_monitor])
    runs = _train_runs(x, collapse_demo_recipes(), epochs=epochs, seeds=seeds, n_monitor=n_monitor, n_keep=n_keep,
                       max_seconds=max_seconds, data_diversity=data_ref["diversity"], log=log)
    return {"kind": "gan_collapse_demo", "epochs": int(epochs), "seeds": [int(s) for s in seeds],
            "monitor_every": 1, "n_monitor": int(n_monitor), "n_keep": int(n_keep), "data_reference": data_ref,
            "runs": runs}


def save_comparison_record(record: dict, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a collapse-demo or loss-comparison record (JSON) atomically; an existing file only with ``overwrite=True``.

    Used by: musiclib.train (python -m musiclib.train gan-collapse and gan-losses)
    """
    target = Path(path)
    if target.suffix != ".json":
        raise CheckpointError(f"record path {str(target)!r} must end in .json")
    check_can_write(target, overwrite)
    _validate_comparison_record(record, str(target))
    atomic_write_text(target, json.dumps(record, indent=1, sort_keys=True) + "\n", overwrite=overwrite)
    return target


def _validate_comparison_record(record: Any, where: str, kind: str | None = None) -> None:
    kinds = {"gan_collapse_demo": ({"collapsed", "fixed"}, _COLLAPSE_COMMAND),
             "gan_loss_comparison": (set(LOSSES), _LOSSES_COMMAND)}
    kind = kind or (record.get("kind") if isinstance(record, dict) else None)
    names, command = kinds.get(kind, (set(), f"{_COLLAPSE_COMMAND} or {_LOSSES_COMMAND}"))

    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"GAN comparison record {where!r}: {what}; recreate it with `{command}`")

    if not isinstance(record, dict) or kind not in kinds or record.get("kind") != kind:
        found = record.get("kind") if isinstance(record, dict) else type(record).__name__
        raise bad(f"not a record of kind {kind if kind in kinds else sorted(kinds)!r} (found {found!r})")
    for key in ("epochs", "seeds", "data_reference", "runs"):
        if key not in record:
            raise bad(f"lacks {key!r}")
    if set(record["runs"]) != names:
        raise bad(f"runs are {sorted(record['runs'])}; expected {sorted(names)}")
    for name, run in record["runs"].items():
        seeds = run.get("seeds", {}) if isinstance(run, dict) else {}
        if "recipe" not in run or not seeds:
            raise bad(f"run {name!r} lacks its recipe or its seeds")
        for seed, entry in seeds.items():
            hist = entry.get("history", {}) if isinstance(entry, dict) else {}
            lengths = {len(hist.get(k, [])) for k in _COLLAPSE_KEYS}
            if len(lengths) != 1 or 0 in lengths or "bars" not in entry:
                raise bad(f"run {name!r} seed {seed}: history needs {', '.join(_COLLAPSE_KEYS)} of one length, "
                          "and bars")
            if kind == "gan_loss_comparison" and "metrics" not in entry:
                raise bad(f"run {name!r} seed {seed} lacks its metrics")


def load_collapse_record(path: str | os.PathLike = COLLAPSE_RECORD) -> dict:
    """Read and check the collapse-demo record written by ``python -m musiclib.train gan-collapse``.

    Raises
    ------
    CheckpointError
        Missing file, invalid JSON, or a record of another kind / with missing parts.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    return _load_comparison_record(path, "gan_collapse_demo", "collapse record", _COLLAPSE_COMMAND)


def _load_comparison_record(path: str | os.PathLike, kind: str, label: str, command: str) -> dict:
    """Read a GAN comparison record (JSON) and check it is a complete record of ``kind``."""
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"{label} {str(p)!r} does not exist; create it with `{command}`")
    try:
        record = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{label} {str(p)!r} is not valid JSON: {exc}") from exc
    _validate_comparison_record(record, str(p), kind)
    return record


# --------------------------------------------------------------------------- the losses compared on real bars
_LOSSES_COMMAND = "python -m musiclib.train gan-losses"
LOSS_RECORD = CHECKPOINT_DIR / "gan_losses.json"


def loss_comparison_recipes() -> dict[str, GANRecipe]:
    """The shipped recipe (hinge loss) and the same recipe with each other loss of :data:`LOSSES`.

    Only the loss changes: ``"bce"`` (non-saturating), ``"hinge"`` (the shipped model) and
    ``"wgan-gp"`` (Wasserstein loss with a gradient penalty of weight ``gp_weight``).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    shipped = GANRecipe()
    return {loss: replace(shipped, loss=loss) for loss in LOSSES}


def run_loss_comparison(train: np.ndarray, heldout: np.ndarray, *, epochs: int = 44, seeds: Sequence[int] = (2024,),
                        n_monitor: int = 256, n_eval: int = 2000, n_keep: int = 16,
                        log: Callable[[str], None] | None = None) -> dict:
    """Train :func:`loss_comparison_recipes` for the same epochs and seeds and measure them.

    As :func:`run_collapse_demo` (per-epoch monitoring of ``n_monitor`` bars), plus, at the
    end of each run, the metrics of :func:`evaluate_rolls` (without the C2ST) of ``n_eval``
    bars binarised at the calibrated threshold, against ``train`` and ``heldout``.

    Returns
    -------
    dict
        The record, of kind ``"gan_loss_comparison"``; ``data_metrics`` holds the same
        metrics for up to ``n_eval`` held-out bars.

    Used by: musiclib.train (python -m musiclib.train gan-losses)
    """
    x = check_rolls(train, "train")
    ho = check_rolls(heldout, "heldout")
    data_ref = _data_reference(x[:n_monitor])

    def evaluate(gen: RollGenerator, seed: int) -> dict[str, float]:
        return evaluate_rolls(gen.sample(n_eval, seed=seed + 200, method="calibrated"), x, ho, c2st=False)

    runs = _train_runs(x, loss_comparison_recipes(), epochs=epochs, seeds=seeds, n_monitor=n_monitor,
                       n_keep=n_keep, max_seconds=None, data_diversity=data_ref["diversity"], log=log,
                       evaluate=evaluate)
    data_metrics = {k: round(float(v), 4) for k, v in evaluate_rolls(ho[:n_eval], x, ho, c2st=False).items()}
    return {"kind": "gan_loss_comparison", "epochs": int(epochs), "seeds": [int(s) for s in seeds],
            "monitor_every": 1, "n_monitor": int(n_monitor), "n_eval": int(n_eval), "n_keep": int(n_keep),
            "data_reference": data_ref, "data_metrics": data_metrics, "runs": runs}


def load_loss_comparison(path: str | os.PathLike = LOSS_RECORD) -> dict:
    """Read and check the loss-comparison record written by ``python -m musiclib.train gan-losses``.

    Raises
    ------
    CheckpointError
        Missing file, invalid JSON, or a record of another kind / with missing parts.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    return _load_comparison_record(path, "gan_loss_comparison", "loss-comparison record", _LOSSES_COMMAND)
