"""The adversarial game (对抗博弈): its math, its losses and a Keras model that plays it.

Shared by both GANs of notebook 05 (the piano-roll DCGAN of :mod:`musiclib.models.gan`
and the four-voice GAN of :mod:`musiclib.models.voice_gan`):

* :func:`optimal_discriminator` (D* = p_data / (p_data + p_g)) and :func:`js_divergence`;
* the losses :func:`discriminator_loss` / :func:`generator_loss` (``"bce"``: the original
  minimax game with the non-saturating generator loss; ``"hinge"``; ``"wgan-gp"`` with
  :func:`gradient_penalty`), which take the discriminator's *logits*;
* :class:`GAN`, a subclassed ``keras.Model`` with its own ``compile`` (two optimizers)
  and ``train_step``; a subclass changes what the discriminator sees of a generated
  sample by overriding ``_fake``;
* :func:`check_rolls`, the door check of every function that takes one-bar rolls.

Importing this module imports TensorFlow (several seconds).

Taught in: notebooks/05_gan_music_generation.ipynb
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from musiclib.config import quiet_tensorflow
from musiclib.errors import RepresentationError, ShapeError

quiet_tensorflow()

import keras  # noqa: E402  (after quiet_tensorflow)
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

__all__ = [
    "BAR_SHAPE",
    "LOSSES",
    "BINARY_NEURONS",
    "GAN",
    "check_rolls",
    "check_count",
    "check_seed",
    "NoiseToSamples",
    "optimal_discriminator",
    "js_divergence",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
]

#: (steps, pitches) of one 4/4 bar on a 16th grid, MIDI 36..83.
BAR_SHAPE = (16, 48)
LOSSES = ("bce", "hinge", "wgan-gp")
BINARY_NEURONS = ("none", "stochastic", "deterministic")


# --------------------------------------------------------------------------- input checks
def check_rolls(rolls: Any, name: str = "rolls", *, binary: bool = True, shape: tuple[int, int] = BAR_SHAPE
                ) -> np.ndarray:
    """A batch of bar rolls as float32, shape (n, 16, 48); anything else raises.

    Parameters
    ----------
    rolls : array, shape (n, 16, 48)
        Bool, integer or float cells.
    binary : bool
        Require every cell to be 0 or 1 (real data, binarised samples).

    Raises
    ------
    ShapeError
        Wrong number of axes, wrong bar shape, no rolls, non-numeric dtype, NaN.
    RepresentationError
        ``binary=True`` and a cell is neither 0 nor 1.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    arr = np.asarray(rolls)
    if arr.ndim != 3 or tuple(arr.shape[1:]) != tuple(shape):
        raise ShapeError(f"argument {name!r} has shape {arr.shape}; expected (n_bars, {shape[0]}, {shape[1]})")
    if arr.shape[0] == 0:
        raise ShapeError(f"argument {name!r} holds no bars; expected at least one")
    if arr.dtype != bool and not np.issubdtype(arr.dtype, np.number):
        raise ShapeError(f"argument {name!r} must be numeric or bool, got dtype {arr.dtype}")
    out = arr.astype(np.float32)
    if not np.all(np.isfinite(out)):
        raise ShapeError(f"argument {name!r} contains NaN or infinite values")
    if binary and not np.all((out == 0) | (out == 1)):
        bad = out[(out != 0) & (out != 1)].ravel()[0]
        raise RepresentationError(f"argument {name!r} must be a binary roll (0/1 cells), found the value {bad:.3g}; "
                                  "binarise generator output with binarize(...)")
    return out


def check_count(n: Any, name: str = "n") -> int:
    """``n`` as an int, or a RepresentationError naming the argument unless it is an integer >= 1.

    Used by: musiclib.models.gan, musiclib.models.voice_gan (sample)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise RepresentationError(f"argument {name!r} must be a positive integer, got {n!r}")
    return int(n)


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an int, or a RepresentationError naming the argument unless it is an integer >= 0.

    Used by: musiclib.models.gan, musiclib.models.voice_gan (sample)
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise RepresentationError(f"argument {name!r} must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_choice(value: str, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise RepresentationError(f"argument {name!r} must be one of {tuple(choices)}, got {value!r}")
    return value


# --------------------------------------------------------------------------- the math
def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """The best discriminator for a fixed generator: D*(x) = p_data(x) / (p_data(x) + p_g(x)).

    Where both densities are 0, D* is undefined; 0.5 is returned there.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    p = np.asarray(p_data, dtype=np.float64)
    q = np.asarray(p_g, dtype=np.float64)
    if p.shape != q.shape:
        raise ShapeError(f"arguments 'p_data' {p.shape} and 'p_g' {q.shape} must have the same shape")
    if np.any(p < 0) or np.any(q < 0):
        raise RepresentationError("arguments 'p_data' and 'p_g' must be densities (no negative value)")
    s = p + q
    return np.divide(p, s, out=np.full_like(s, 0.5), where=s > 0)


def js_divergence(p: np.ndarray, q: np.ndarray, dx: float = 1.0) -> float:
    """Jensen-Shannon divergence (nats) of two densities on one grid (or two distributions, dx=1).

    JSD(p, q) = KL(p || m) / 2 + KL(q || m) / 2, m = (p + q) / 2; between 0 and log 2.
    With D*, the GAN value is V(G, D*) = -log 4 + 2 JSD(p_data, p_g).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    p = np.asarray(p, dtype=np.float64) * dx
    q = np.asarray(q, dtype=np.float64) * dx
    if p.shape != q.shape:
        raise ShapeError(f"arguments 'p' {p.shape} and 'q' {q.shape} must have the same shape")
    m = (p + q) / 2

    def _kl(a: np.ndarray) -> float:
        keep = a > 0
        return float(np.sum(a[keep] * np.log(a[keep] / m[keep])))

    return 0.5 * _kl(p) + 0.5 * _kl(q)


def discriminator_loss(real_logits: Any, fake_logits: Any, kind: str = "bce", *, smoothing: float = 1.0) -> Any:
    """The discriminator's loss from its logits on a real and a generated batch.

    * ``"bce"``: -mean[s log sigma(r) + (1-s) log(1 - sigma(r))] - mean[log(1 - sigma(f))], s = ``smoothing``
      (1.0: the minimax objective, negated; 0.9: one-sided label smoothing).
    * ``"hinge"``: mean[relu(1 - r)] + mean[relu(1 + f)].
    * ``"wgan-gp"``: mean[f] - mean[r] (the gradient penalty is added by :class:`GAN`).

    Works on NumPy arrays and tensors (returns a scalar tensor).

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    _check_choice(kind, "kind", LOSSES)
    r = ops.convert_to_tensor(real_logits, dtype="float32")
    f = ops.convert_to_tensor(fake_logits, dtype="float32")
    if kind == "bce":
        # -log sigma(x) = softplus(-x), -log(1 - sigma(x)) = softplus(x)
        real = smoothing * ops.softplus(-r) + (1.0 - smoothing) * ops.softplus(r)
        return ops.mean(real) + ops.mean(ops.softplus(f))
    if kind == "hinge":
        return ops.mean(ops.relu(1.0 - r)) + ops.mean(ops.relu(1.0 + f))
    return ops.mean(f) - ops.mean(r)


def generator_loss(fake_logits: Any, kind: str = "bce") -> Any:
    """The generator's loss from the discriminator's logits on generated samples.

    * ``"bce"``: the non-saturating loss -mean[log sigma(f)] (Goodfellow et al. 2014, section 3);
    * ``"minimax"``: mean[log(1 - sigma(f))], the loss of the minimax game itself, whose gradient
      vanishes when the discriminator confidently rejects the samples;
    * ``"hinge"`` and ``"wgan-gp"``: -mean[f].

    Taught in: notebooks/05_gan_music_generation.ipynb
    """
    _check_choice(kind, "kind", (*LOSSES, "minimax"))
    f = ops.convert_to_tensor(fake_logits, dtype="float32")
    if kind == "bce":
        return ops.mean(ops.softplus(-f))
    if kind == "minimax":
        return -ops.mean(ops.softplus(f))
    return -ops.mean(f)


def gradient_penalty(discriminator: Any, real: Any, fake: Any, *, seed: Any = None) -> Any:
    """WGAN-GP's penalty mean[(||grad_x D(x_hat)|| - 1)^2] at random points between real and fake.

    Used by: musiclib.models.gan.GAN (the wgan-gp loss)
    """
    real = tf.convert_to_tensor(real, dtype=tf.float32)
    fake = tf.convert_to_tensor(fake, dtype=tf.float32)
    shape = [tf.shape(real)[0]] + [1] * (len(real.shape) - 1)
    eps = keras.random.uniform(shape, seed=seed)
    x_hat = eps * real + (1.0 - eps) * fake
    norm = tf.sqrt(_squared_input_gradient_norms(discriminator, x_hat) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


def _squared_input_gradient_norms(discriminator: Any, x: Any) -> Any:
    """||grad_x D(x)||^2 for each sample of the batch ``x`` (a float32 tensor)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = discriminator(x, training=True)
    grads = tape.gradient(out, x)
    return tf.reduce_sum(tf.square(tf.reshape(grads, [tf.shape(x)[0], -1])), axis=1)


def r1_penalty(discriminator: Any, real: Any) -> Any:
    """The R1 penalty mean[||grad_x D(x)||^2] on real samples (Mescheder et al. 2018).

    Added to the discriminator's loss as (gamma / 2) * R1 (``r1_weight`` = gamma in
    :class:`GAN`): the discriminator is pushed to be flat around the real data, so it cannot
    win by an ever steeper edge, and the game settles instead of oscillating.

    Used by: musiclib.models.adversarial.GAN (taught in notebooks/05_gan_music_generation.ipynb)
    """
    return tf.reduce_mean(_squared_input_gradient_norms(discriminator, tf.convert_to_tensor(real, dtype=tf.float32)))


# --------------------------------------------------------------------------- the GAN model
class GAN(keras.Model):
    """A generator and a discriminator trained against each other.

    ``compile(g_optimizer, d_optimizer)`` gives each player its own optimizer;
    ``train_step`` takes a batch of real samples, makes a discriminator step on real and
    generated samples (``d_steps`` times), then a generator step. ``fit`` reports
    ``d_loss``, ``g_loss`` and the mean discriminator logits ``d_real`` / ``d_fake``.

    Parameters
    ----------
    generator, discriminator : keras.Model
        z (batch, z_dim) -> samples; samples -> one logit each.
    z_dim : int
    loss : str
        ``"bce"``, ``"hinge"`` or ``"wgan-gp"`` (see :func:`discriminator_loss`).
    smoothing, gp_weight : float
    r1_weight : float
        gamma of the R1 penalty on real samples, (gamma / 2) * :func:`r1_penalty`, added to
        the discriminator's loss (0: none).
    d_steps, g_steps : int
        Discriminator steps, then generator steps, per training step.
    seed : int
        Seed of the noise drawn inside ``train_step``.

    Taught in: notebooks/05_gan_music_generation.ipynb
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, z_dim: int, loss: str = "bce",
                 smoothing: float = 1.0, gp_weight: float = 10.0, d_steps: int = 1, seed: int = 0,
                 binary_neurons: str = "none", g_steps: int = 1, r1_weight: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.z_dim = int(z_dim)
        self.loss_kind = _check_choice(loss, "loss", LOSSES)
        self.smoothing = float(smoothing)
        self.gp_weight = float(gp_weight)
        self.r1_weight = float(r1_weight)
        if not self.r1_weight >= 0:
            raise RepresentationError(f"argument 'r1_weight' must be >= 0, got {r1_weight!r}")
        self.d_steps = int(d_steps)
        self.g_steps = int(g_steps)
        if self.d_steps < 1 or self.g_steps < 1:
            raise RepresentationError(f"arguments 'd_steps' and 'g_steps' must be at least 1, got {d_steps!r}, "
                                      f"{g_steps!r}")
        self.binary_neurons = _check_choice(binary_neurons, "binary_neurons", BINARY_NEURONS)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {k: keras.metrics.Mean(name=k) for k in ("d_loss", "g_loss", "d_real", "d_fake")}

    def compile(self, g_optimizer: Any = None, d_optimizer: Any = None, **kwargs: Any) -> None:  # noqa: D102
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)

    @property
    def metrics(self) -> list:  # noqa: D102  (reset by fit at each epoch)
        return list(self.trackers.values())

    def call(self, z: Any, training: bool = False) -> Any:  # noqa: D102
        return self.generator(z, training=training)

    def _noise(self, batch: Any) -> Any:
        return keras.random.normal((batch, self.z_dim), seed=self.seed_generator)

    def _fake(self, batch: Any, real: Any = None) -> Any:
        """Generated bars as the discriminator sees them (binary neurons: straight-through).

        ``real`` is the batch of real bars: a conditional subclass takes their labels.
        """
        p = self.generator(self._noise(batch), training=True)
        if self.binary_neurons == "none":
            return p
        if self.binary_neurons == "stochastic":
            hard = ops.cast(keras.random.uniform(ops.shape(p), seed=self.seed_generator) < p, p.dtype)
        else:
            hard = ops.cast(p > 0.5, p.dtype)
        return p + ops.stop_gradient(hard - p)

    def _extra_generator_loss(self, real: Any) -> Any:
        """A term added to the generator's loss in its step (0 here; subclasses add their own)."""
        return 0.0

    def _generator_side_weights(self) -> list:
        """The weights the generator's step updates (a subclass may add an encoder's)."""
        return self.generator.trainable_weights

    def train_step(self, data: Any) -> dict:  # noqa: D102
        real = data[0] if isinstance(data, tuple | list) else data
        batch = tf.shape(real)[0]
        for _ in range(self.d_steps):
            fake = self._fake(batch, real)
            with tf.GradientTape() as tape:
                r = self.discriminator(real, training=True)
                f = self.discriminator(fake, training=True)
                d_loss = discriminator_loss(r, f, self.loss_kind, smoothing=self.smoothing)
                if self.loss_kind == "wgan-gp":
                    d_loss = d_loss + self.gp_weight * gradient_penalty(self.discriminator, real, fake,
                                                                        seed=self.seed_generator)
                if self.r1_weight > 0:
                    d_loss = d_loss + 0.5 * self.r1_weight * r1_penalty(self.discriminator, real)
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights, strict=True))
        for _ in range(self.g_steps):
            with tf.GradientTape() as tape:
                f_g = self.discriminator(self._fake(batch, real), training=True)
                g_loss = generator_loss(f_g, self.loss_kind)
                total = g_loss + self._extra_generator_loss(real)
            weights = self._generator_side_weights()
            grads = tape.gradient(total, weights)
            self.g_optimizer.apply_gradients(zip(grads, weights, strict=True))
        for k, v in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", ops.mean(r)), ("d_fake", ops.mean(f))):
            self.trackers[k].update_state(v)
        return {k: t.result() for k, t in self.trackers.items()}


class NoiseToSamples:
    """What every trained generator of notebook 05 shares: z ~ N(0, I) in, network outputs out.

    Subclasses (:class:`musiclib.models.gan.RollGenerator`,
    :class:`musiclib.models.voice_gan.VoiceGenerator`) turn the outputs into bars.

    Used by: musiclib.models.gan, musiclib.models.voice_gan
    """

    generator: keras.Model
    z_dim: int

    def noise(self, n: int, seed: int = 0) -> np.ndarray:
        """z ~ N(0, I), shape (n, z_dim), from NumPy's generator (reproducible anywhere)."""
        return np.random.default_rng(check_seed(seed)).standard_normal((check_count(n), self.z_dim)).astype(
            np.float32)

    def _outputs(self, n: int, seed: int, z: np.ndarray | None, condition: np.ndarray | None = None) -> np.ndarray:
        """The generator's outputs for ``n`` noise vectors drawn with ``seed`` (or the given ``z``).

        ``condition`` (one row per noise vector) is appended to z: a conditional generator's labels.
        """
        if z is None:
            z = self.noise(n, seed)
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ShapeError(f"argument 'z' has shape {z.shape}; expected (n, {self.z_dim})")
        if condition is not None:
            z = np.concatenate([z, np.asarray(condition, dtype=np.float32)], axis=1)
        out = [np.asarray(self.generator(z[i:i + 512], training=False)) for i in range(0, len(z), 512)]
        return np.concatenate(out)
