"""Chapter 9's runs: the two-dimensional spiral and a noise-conditional denoiser on MNIST.

The command `python -m daekeras score` makes one run per root seed of one of
two parts (`Config.part`):

- `"spiral"`: one replicate of the chapter's two-dimensional measurements
  (`measure_replicate(seed, 1)` at the `BOOK` budget). A mixture of
  `N_COMPONENTS` Gaussians of standard deviation `STD` along Chapter 3's
  spiral; each replicate draws `N_TRAIN` training points and trains, with
  fresh Gaussian noise at every step, one denoising autoencoder per level of
  `SIGMAS` and one noise-conditional denoiser over the ladder
  `spiral_ladder()`, then compares their score estimates with the exact
  score and their samples with fresh data. The module's constants are this
  part's settings; the `Config` fields other than `part` are not used.
- `"mnist"`: from one root seed, trains

  1. a noise-conditional denoiser (`daekeras.generation.NoiseConditionalDenoiser`)
     by denoising score matching over a geometric ladder of noise levels;
  2. a single-level denoiser (the same model at one level `chain_sigma`),
     sampled by the corrupt-reconstruct chain of Bengio et al. (2013);
  3. a classifier (an MLP), whose predictions give the samples' class counts
     and whose penultimate features give Fréchet distances;

  and compares with the test digits: samples of annealed Langevin, of the
  chain, of a Gaussian fitted to the training images, and the first
  `n_samples` test digits (the floor), each against the last test digits
  (Fréchet distance in the classifier's features), plus the distance of each
  sample to its nearest training image. `--samples-out PATH` keeps the first
  root seed's first 64 Langevin samples (uint8 `.npy`) for the chapter's figure.

The chapter's claim checks (`daekeras.chapters.generation`) read the stored
runs (`results/score.json`) and rerun a slice of them with these functions.

Keras and NumPy are imported when a run starts, not with this module.
"""

import dataclasses
import time

from daekeras.experiments import arguments

#: The command line's subcommand.
NAME = "score"

#: The one-line help of the subcommand.
HELP = "Chapter 9: denoisers as score estimates, on a 2-D spiral and on MNIST (Langevin sampling)"


# -- The spiral part ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much the spiral part trains and measures.

    Attributes:
        replicates: Replicates (independent training sets and models).
        steps: Training steps of each model.
        n_eval: Points of each evaluation set and of each sample.
    """

    replicates: int = 8
    steps: int = 1500
    n_eval: int = 600


#: The book's budget (a stored spiral run is replicate 1 of it).
BOOK = Budget()

STD = 0.1
N_COMPONENTS = 48
N_TRAIN = 4000
SIGMAS = (0.05, 0.2, 0.8)
#: The noise-conditional denoiser's ladder: `geometric_sigmas(*LADDER_RANGE)`
#: (`spiral_ladder()`).
LADDER_RANGE = (2.0, 0.03, 8)
HIDDEN = (128, 128)
BATCH_SIZE = 256
LEARNING_RATE = 3e-3
FAR = 0.5  # "far from the data": farther than this from every mixture mean
#: "Outside the smoothed data" at level sigma: between these multiples of the
#: smoothed components' width sqrt(STD^2 + sigma^2) from the nearest mixture
#: mean, where hardly a corrupted training point ever lands (`FAR` lies
#: inside the smoothed data at the largest level).
OUTER = (4.0, 8.0)
CHAIN_SIGMAS = SIGMAS
CHAIN_STEPS = 60
LANGEVIN_STEPS = 20
LANGEVIN_STEP_SIZE = 2e-4
JITTER = STD / 2


def spiral_ladder():
    """The noise levels of the spiral part's noise-conditional denoiser, largest first.

    Returns:
        A tuple of `LADDER_RANGE[2]` floats from `LADDER_RANGE[0]` down to
        `LADDER_RANGE[1]`, in geometric progression.

    Example:

    >>> from daekeras.experiments import score
    >>> [round(s, 3) for s in score.spiral_ladder()]
    [2.0, 1.098, 0.602, 0.331, 0.181, 0.1, 0.055, 0.03]
    """
    from daekeras.generation import geometric_sigmas

    return tuple(float(s) for s in geometric_sigmas(*LADDER_RANGE))


def train_dae(x, sigmas, seed, steps, component="model_1"):
    """A `NoiseConditionalDenoiser` (2-D) trained `steps` steps on `x` with fresh noise over `sigmas`.

    Args:
        x: Training points, an array of shape `(n, 2)`.
        sigmas: The noise levels the model learns.
        seed: The seed the model's component seed comes from
            (`component_seed(seed, component)`).
        steps: Training steps of batch `BATCH_SIZE`, on rows drawn with
            replacement from `x`.
        component: A component name (`"model_1"`, ...), or an integer: the
            model's component seed itself (`seed` is then not used).

    Returns:
        The trained model.
    """
    import keras
    import numpy as np

    from daekeras.generation import NoiseConditionalDenoiser
    from daekeras.generation import denoising_targets
    from daekeras.seeds import component_seed
    from daekeras.seeds import derive

    own = component_seed(seed, component) if isinstance(component, str) else component
    keras.utils.set_random_seed(derive(own, "global"))
    model = NoiseConditionalDenoiser(x.shape[1], hidden=HIDDEN, seed=derive(own, "layer_1"))
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse")
    rng = np.random.default_rng(derive(own, "corruption"))
    rows = x[rng.integers(len(x), size=steps * BATCH_SIZE)]
    inputs, target, weight = denoising_targets(rows, sigmas, rng)
    model.fit(inputs, target, sample_weight=weight, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    return model


def _cosine(a, b):
    import numpy as np

    return np.sum(a * b, 1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)


def _far_points(mixture, n, rng):
    import numpy as np

    out = []
    while sum(len(o) for o in out) < n:
        p = rng.uniform(-2.5, 2.5, size=(4 * n, 2))
        d = np.min(np.linalg.norm(p[:, None] - mixture.means[None], axis=2), axis=1)
        out.append(p[d > FAR])
    return np.concatenate(out)[:n]


def _outer_points(mixture, n, sigma, rng):
    """`n` points uniform over the region `OUTER` widths from the smoothed data at `sigma`."""
    import numpy as np

    width = np.sqrt(STD**2 + sigma**2)
    low, high = OUTER[0] * width, OUTER[1] * width
    half = np.max(np.abs(mixture.means)) + high
    out = []
    while sum(len(o) for o in out) < n:
        p = rng.uniform(-half, half, size=(4 * n, 2))
        d = np.min(np.linalg.norm(p[:, None] - mixture.means[None], axis=2), axis=1)
        out.append(p[(d >= low) & (d <= high)])
    return np.concatenate(out)[:n]


def _components_visited(trajectory, mixture):
    """Mean number of distinct components (nearest mean) each chain visits."""
    import numpy as np

    d = np.linalg.norm(trajectory[:, :, None, :] - mixture.means[None, None], axis=3)
    nearest = np.argmin(d, axis=2)  # (steps, chains)
    return float(np.mean([len(set(nearest[:, j])) for j in range(nearest.shape[1])]))


def measure_replicate(seed, i, budget=BOOK):
    """Every 2-D measurement of replicate `i` of root seed `seed`.

    Replicate `i` draws its points from the stream `data_i`, its chains and
    samples from `noise_i`, and its models get seeds of the component
    `model_i`.

    Args:
        seed: The run's root seed.
        i: The replicate, from 1.
        budget: A `Budget` (its `steps` and `n_eval`).

    Returns:
        A dict, per level of `SIGMAS`, of the score estimates' relative errors
        against the data's score (`rel_true`) and the smoothed score near the
        data (`rel_smoothed`) and far from it (`rel_far`), their cosines with
        the smoothed score (`cos_near`, `cos_far`), and both outside the
        smoothed data, `OUTER` widths from it (`rel_outer`, `cos_outer`);
        per level of
        `CHAIN_SIGMAS`, the chain's energy distance to fresh data
        (`chain_ed`), mean log-density (`chain_loglik`) and components
        visited (`chain_visited`); per sampler, the energy distance (`ed`)
        and mean log-density (`loglik`) of its samples, and that of fresh
        data (`loglik_data`). Replicate 1 also holds its arrays, models and
        noise-conditional denoiser (`arrays`, `models`, `ncsn`); `record_of`
        drops them.
    """
    import numpy as np
    from sklearn.mixture import GaussianMixture

    from daekeras.generation import annealed_langevin
    from daekeras.generation import corrupt_reconstruct_chain
    from daekeras.generation import energy_distance
    from daekeras.generation import spiral_mixture
    from daekeras.seeds import component_seed
    from daekeras.seeds import derive
    from daekeras.seeds import stream_seed

    mixture = spiral_mixture(N_COMPONENTS, STD)
    data_rng = np.random.default_rng(stream_seed(seed, f"data_{i}"))
    x_train = mixture.sample(N_TRAIN, data_rng)
    near_clean = mixture.sample(budget.n_eval, data_rng)
    near_noise = data_rng.standard_normal(near_clean.shape)
    far = _far_points(mixture, budget.n_eval, data_rng)
    fresh = mixture.sample(budget.n_eval, data_rng)
    floor_sample = mixture.sample(budget.n_eval, data_rng)
    # Drawn last from `data_i`, so that every earlier draw is what it was
    # before the outer region was measured.
    outer = {sigma: _outer_points(mixture, budget.n_eval, sigma, data_rng) for sigma in SIGMAS}
    out = {"rel_true": {}, "rel_smoothed": {}, "cos_near": {}, "cos_far": {}, "rel_far": {},
           "cos_outer": {}, "rel_outer": {},
           "chain_ed": {}, "chain_visited": {}, "chain_loglik": {}}
    models = {}
    for k, sigma in enumerate(SIGMAS):
        model = train_dae(x_train, [sigma], derive(component_seed(seed, f"model_{i}"), f"layer_{k + 1}"),
                          budget.steps)
        models[sigma] = model
        near = near_clean + sigma * near_noise  # where the autoencoder is trained: points of p_sigma
        for name, pts in (("near", near), ("far", far), ("outer", outer[sigma])):
            est = (model.denoise(pts, sigma) - pts) / sigma**2
            exact = mixture.score(pts, sigma)
            cos = _cosine(est, exact)
            rel = np.linalg.norm(est - exact, axis=1) / np.linalg.norm(exact, axis=1)
            out[f"cos_{name}"][sigma] = float(np.mean(cos))
            if name == "near":
                out["rel_smoothed"][sigma] = float(np.median(rel))
                true = mixture.score(pts, 0.0)
                out["rel_true"][sigma] = float(np.median(np.linalg.norm(est - true, axis=1)
                                                         / np.linalg.norm(true, axis=1)))
            else:
                out[f"rel_{name}"][sigma] = float(np.median(rel))
    noise = np.random.default_rng(stream_seed(seed, f"noise_{i}"))
    start = noise.uniform(-2.5, 2.5, size=(budget.n_eval, 2))
    for sigma in CHAIN_SIGMAS:
        model = models[sigma]
        final, traj = corrupt_reconstruct_chain(lambda x, m=model, s=sigma: m.denoise(x, s), start, sigma,
                                                CHAIN_STEPS, noise, keep_every=1)
        out["chain_ed"][sigma] = energy_distance(final, fresh)
        out["chain_loglik"][sigma] = float(np.mean(mixture.log_density(final)))
        out["chain_visited"][sigma] = _components_visited(traj[CHAIN_STEPS // 2:], mixture)
    ncsn = train_dae(x_train, spiral_ladder(), seed, budget.steps, component=f"model_{i}")
    langevin = annealed_langevin(ncsn.denoise, start, spiral_ladder(), LANGEVIN_STEPS, LANGEVIN_STEP_SIZE, noise)
    gmm = GaussianMixture(n_components=10, random_state=derive(component_seed(seed, f"model_{i}"), "layer_8"))
    gmm.fit(x_train)
    gmm_sample = gmm.sample(budget.n_eval)[0]
    jitter = x_train[noise.integers(N_TRAIN, size=budget.n_eval)] + JITTER * noise.standard_normal((budget.n_eval, 2))
    samples = {"langevin": langevin, "gmm": gmm_sample, "jitter": jitter, "exact": floor_sample}
    out["ed"] = {k: energy_distance(v, fresh) for k, v in samples.items()}
    out["loglik"] = {k: float(np.mean(mixture.log_density(v))) for k, v in samples.items()}
    out["loglik_data"] = float(np.mean(mixture.log_density(fresh)))
    if i == 1:
        out["arrays"] = {"x_train": x_train, "near": near_clean, "far": far, "outer": outer, "samples": samples,
                         "start": start}
        out["models"] = models
        out["ncsn"] = ncsn
    return out


def record_of(replicate):
    """A replicate's numbers as a JSON-able record (levels as text keys, no arrays or models).

    Args:
        replicate: A dict of `measure_replicate`.

    Returns:
        The same numbers, each dict keyed by level keyed by the level's text
        (`f"{sigma:g}"`), without `arrays`, `models` and `ncsn`.

    Example:

    >>> from daekeras.experiments import score
    >>> score.record_of({"cos_near": {0.05: 0.1, 0.8: 0.99}, "loglik_data": -1.3, "models": {}})
    {'cos_near': {'0.05': 0.1, '0.8': 0.99}, 'loglik_data': -1.3}
    """
    return {k: ({f"{s:g}" if not isinstance(s, str) else s: v for s, v in value.items()}
                if isinstance(value, dict) else value)
            for k, value in replicate.items() if k not in ("arrays", "models", "ncsn")}


# -- The MNIST part ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one run (defaults: the book's).

    Attributes:
        part: `"mnist"` (the MNIST run) or `"spiral"` (replicate 1 of the
            two-dimensional measurements, `measure_replicate(seed, 1, BOOK)`;
            the other fields are then not used).
        n_train: Training images (the first ones of MNIST's training set).
        hidden: Hidden widths of the denoisers' MLP.
        sigma_max: Largest noise level (pixels in [0, 1]).
        sigma_min: Smallest noise level.
        n_sigmas: Levels of the geometric ladder.
        epochs: Training epochs of each denoiser.
        batch_size: Minibatch size of the denoisers and the classifier.
        learning_rate: Adam's learning rate for the denoisers.
        n_samples: Samples drawn by each sampler.
        n_steps_each: Langevin steps per level.
        step_size: Langevin's epsilon (`a_i = epsilon sigma_i^2 / sigma_L^2`).
        chain_sigma: The single-level denoiser's level.
        chain_steps: Steps of the corrupt-reconstruct chain.
        classifier_epochs: Epochs of the classifier.
        feature_width: Width of the classifier's penultimate layer.
        data_std: The denoiser's `data_std` (preconditioning; about the
            standard deviation of MNIST's pixels).
    """

    part: str = "mnist"
    n_train: int = 60000
    hidden: tuple = (512, 512)
    sigma_max: float = 1.0
    sigma_min: float = 0.01
    n_sigmas: int = 10
    epochs: int = 6
    batch_size: int = 128
    learning_rate: float = 1e-3
    n_samples: int = 1000
    n_steps_each: int = 30
    step_size: float = 2e-5
    chain_sigma: float = 0.5
    chain_steps: int = 100
    classifier_epochs: int = 3
    feature_width: int = 128
    data_std: float = 0.3


#: The record fields that identify a run: its settings and seed.
RUN_KEYS = ("seed",) + tuple(f.name for f in dataclasses.fields(Config))

#: Options naming files the command writes, checked before any training.
OUTPUT_OPTIONS = (("--samples-out", "samples_out"),)

#: The most samples per sampler: the test set's first `n_samples` digits are
#: the floor, and the other digits (at least as many) the reference.
MAX_SAMPLES = 5000

MNIST_TRAIN = 60000

_PARSE = {int: arguments.count, float: arguments.positive}


def add_arguments(parser):
    """The options of `python -m daekeras score`: one per field of `Config` (defaults: the book's).

    `--n-train` is the command line's common option; `--samples-out PATH`
    writes the first root seed's first 64 Langevin samples.
    """
    parser.description = (
        "Chapter 9: with --part spiral, replicate 1 of the two-dimensional measurements "
        "(score estimates against the exact score, samplers against fresh data); with "
        "--part mnist (the default), a noise-conditional denoiser on MNIST sampled by "
        "annealed Langevin, a single-level denoiser's corrupt-reconstruct chain and a "
        "fitted Gaussian, measured by Fréchet distance in a classifier's features."
    )
    for field in dataclasses.fields(Config):
        option = "--" + field.name.replace("_", "-")
        if field.name == "n_train":
            continue  # the common --n-train
        if field.name == "hidden":
            parser.add_argument(option, type=arguments.count, nargs="+", default=list(field.default),
                                metavar="N", help="hidden widths of the denoisers (default: %(default)s)")
        elif field.name == "part":
            parser.add_argument(option, choices=("mnist", "spiral"), default=field.default,
                                help="which part of the chapter (default: %(default)s)")
        else:
            parser.add_argument(option, type=_PARSE[type(field.default)], default=field.default,
                                metavar="N" if type(field.default) is int else "X",
                                help=f"{field.name.replace('_', ' ')} (default: %(default)s)")
    parser.add_argument("--samples-out", metavar="PATH",
                        help="with --part mnist: write the first seed's first 64 Langevin samples "
                        "to PATH (a .npy of uint8, 0-255). Missing folders are created")
    return parser


def config_from_args(args):
    """The `Config` of parsed arguments (`add_arguments`).

    Raises:
        ValueError: `--sigma-min` above `--sigma-max`, `--n-train` above
            MNIST's 60,000 images, `--n-samples` above `MAX_SAMPLES`, or
            `--samples-out` with `--part spiral`.
    """
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config) if f.name != "n_train"}
    values["hidden"] = tuple(values["hidden"])
    if args.n_train is not None:
        values["n_train"] = args.n_train
    if values["sigma_min"] > values["sigma_max"]:
        raise ValueError(
            "Argument `--sigma-min` must be at most `--sigma-max`. "
            f"Received: --sigma-min={values['sigma_min']!r}, --sigma-max={values['sigma_max']!r}"
        )
    if values.get("n_train", 0) > MNIST_TRAIN:
        raise ValueError(
            f"Argument `--n-train` must be at most {MNIST_TRAIN} (MNIST's training images). "
            f"Received: --n-train={values['n_train']!r}"
        )
    if values["n_samples"] > MAX_SAMPLES:
        raise ValueError(
            f"Argument `--n-samples` must be at most {MAX_SAMPLES} (the other test digits are the "
            f"reference). Received: --n-samples={values['n_samples']!r}"
        )
    if getattr(args, "samples_out", None) and values["part"] == "spiral":
        raise ValueError(
            "Argument `--samples-out` writes MNIST samples and needs --part mnist. "
            f"Received: --samples-out={args.samples_out!r} with --part spiral"
        )
    return Config(**values)


def run_options(args, config, seed, several, log):
    """The keyword arguments of `run` from the command line: `--samples-out`
    for the first seed of the command (the chapter's figure is one seed's)."""
    first = args.samples_out and seed == args.seeds[0]
    return {"samples_out": args.samples_out if first else None}


def progress(config, seed, record):
    """The progress line of a finished run."""
    if config.part == "spiral":
        return f"score seed={seed}: spiral ({record['seconds']:.0f} s)"
    return (f"score seed={seed}: fid langevin {record['fid_langevin']:.2f} chain {record['fid_chain']:.2f} "
            f"gaussian {record['fid_gaussian']:.2f} floor {record['fid_test_half']:.2f} "
            f"({record['seconds']:.0f} s)")


def load_data(n_train):
    """MNIST as float32 rows in [0, 1].

    Args:
        n_train: How many training images, the first ones.

    Returns:
        `(x_train, y_train, x_test, y_test)`: the first `n_train` training
        images and their labels, and the test set; the images as rows of
        784 pixels.
    """
    from daekeras.data import load_mnist

    (xtr, ytr), (xte, yte) = load_mnist()
    xtr = xtr[:n_train].reshape(-1, 784).astype("float32") / 255.0
    xte = xte.reshape(-1, 784).astype("float32") / 255.0
    return xtr, ytr[:n_train], xte, yte


def train_denoiser(config, x, sigmas, seed, component="model_1", epochs=None):
    """A `NoiseConditionalDenoiser` trained on the rows of `x` over levels `sigmas`.

    Each epoch draws new levels and noise for every row (`denoising_targets`)
    from the stream `corruption` of `component`'s seed.

    Args:
        config: A `Config` (its `hidden`, `data_std`, `learning_rate`,
            `batch_size` and `epochs`).
        x: Training rows.
        sigmas: The noise levels.
        seed: The run's root seed.
        component: The component whose seed the model gets.
        epochs: Epochs to train instead of `config.epochs`.

    Returns:
        `(model, losses)`: the model and the weighted loss of each epoch.
    """
    import keras
    import numpy as np

    from daekeras.generation import NoiseConditionalDenoiser
    from daekeras.generation import denoising_targets
    from daekeras.seeds import component_seed
    from daekeras.seeds import derive

    own = component_seed(seed, component)
    keras.utils.set_random_seed(derive(own, "global"))
    model = NoiseConditionalDenoiser(x.shape[1], hidden=config.hidden, seed=derive(own, "layer_1"),
                                     data_std=config.data_std)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
    losses = []
    noise = np.random.default_rng(derive(own, "corruption"))
    for _ in range(config.epochs if epochs is None else epochs):
        inputs, target, weight = denoising_targets(x, sigmas, noise)
        history = model.fit(inputs, target, sample_weight=weight, batch_size=config.batch_size,
                            epochs=1, shuffle=True, verbose=0)
        losses.append(float(history.history["loss"][0]))
    return model, losses


def train_classifier(config, x, y, seed):
    """A classifier of MNIST digits, an MLP 784-256-`feature_width`-10 (component `"classifier"`).

    Args:
        config: A `Config` (its `feature_width`, `batch_size` and
            `classifier_epochs`).
        x: Training images, rows of 784 pixels.
        y: Their labels.
        seed: The run's root seed.

    Returns:
        `(classifier, featurizer)`: the trained classifier (logits) and the
        model that gives its penultimate layer's features.
    """
    import keras

    from daekeras.seeds import component_seed
    from daekeras.seeds import derive

    own = component_seed(seed, "classifier")
    keras.utils.set_random_seed(derive(own, "global"))
    inputs = keras.Input((784,))
    h = keras.layers.Dense(256, activation="relu",
                           kernel_initializer=keras.initializers.GlorotUniform(derive(own, "hidden_1_kernel")))(inputs)
    features = keras.layers.Dense(config.feature_width, activation="relu",
                                  kernel_initializer=keras.initializers.GlorotUniform(derive(own, "hidden_2_kernel")))(h)
    out = keras.layers.Dense(10, kernel_initializer=keras.initializers.GlorotUniform(derive(own, "output_kernel")))(features)
    model = keras.Model(inputs, out)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=config.batch_size, epochs=config.classifier_epochs, verbose=0, shuffle=True)
    return model, keras.Model(inputs, features)


def run(config, seed, samples_out=None):
    """One run of `config` from the root `seed`: train, sample, measure.

    Args:
        config: A `Config`.
        seed: The root seed.
        samples_out: Optional path (MNIST part): write the first 64 Langevin
            samples there as a `.npy` of uint8 (0-255), for the chapter's
            figure; not part of the record.

    Returns:
        A JSON-able record of the seed, the settings and, for the spiral part,
        `record_of(measure_replicate(seed, 1, BOOK))`; for the MNIST part,
        the noise levels, each denoiser's epoch losses, the classifier's test
        accuracy and, per sample set, its Fréchet distance (`fid_*`), class
        counts and distances to the nearest training image; then the times
        (`train_seconds` and `sample_seconds` for MNIST, `seconds`).
    """
    import numpy as np
    from sklearn.metrics import pairwise_distances_argmin_min

    from daekeras.generation import annealed_langevin
    from daekeras.generation import corrupt_reconstruct_chain
    from daekeras.generation import frechet_distance
    from daekeras.generation import geometric_sigmas
    from daekeras.seeds import stream_seed

    start = time.perf_counter()
    if config.part == "spiral":
        record = {"seed": int(seed), **dataclasses.asdict(config)}
        record["hidden"] = list(config.hidden)
        record.update(record_of(measure_replicate(seed, 1, BOOK)))
        record["seconds"] = time.perf_counter() - start
        return record
    xtr, ytr, xte, yte = load_data(config.n_train)
    sigmas = geometric_sigmas(config.sigma_max, config.sigma_min, config.n_sigmas)
    model, losses = train_denoiser(config, xtr, sigmas, seed, "model_1")
    single, chain_losses = train_denoiser(config, xtr, [config.chain_sigma], seed, "model_2")
    classifier, featurizer = train_classifier(config, xtr, ytr, seed)
    trained = time.perf_counter()

    n = config.n_samples
    start_rng = np.random.default_rng(stream_seed(seed, "data_1"))
    x0 = start_rng.uniform(0.0, 1.0, size=(n, 784))
    langevin = annealed_langevin(model.denoise, x0, sigmas, config.n_steps_each, config.step_size,
                                 seed=np.random.default_rng(stream_seed(seed, "noise_1")))
    chain = corrupt_reconstruct_chain(lambda x: single.denoise(x, config.chain_sigma), x0,
                                      config.chain_sigma, config.chain_steps,
                                      seed=np.random.default_rng(stream_seed(seed, "noise_2")))
    gauss_rng = np.random.default_rng(stream_seed(seed, "data_2"))
    gaussian = gauss_rng.multivariate_normal(xtr.mean(0), np.cov(xtr, rowvar=False), size=n, method="eigh")
    sampled = time.perf_counter()

    def clip(a):
        return np.clip(a, 0.0, 1.0).astype("float32")

    sets = {"langevin": clip(langevin), "chain": clip(chain), "gaussian": clip(gaussian), "test_half": xte[:n]}
    reference = featurizer.predict(xte[n:], batch_size=1000, verbose=0)
    record = {"seed": int(seed), **dataclasses.asdict(config)}
    record["hidden"] = list(config.hidden)
    record["sigmas"] = [float(s) for s in sigmas]
    record["losses"] = losses
    record["chain_losses"] = chain_losses
    record["classifier_test_accuracy"] = float(
        np.mean(np.argmax(classifier.predict(xte, batch_size=1000, verbose=0), 1) == yte))
    _, test_nn = pairwise_distances_argmin_min(xte[:n], xtr)
    for name, x in sets.items():
        feats = featurizer.predict(x, batch_size=1000, verbose=0)
        record[f"fid_{name}"] = frechet_distance(feats, reference)
        labels = np.argmax(classifier.predict(x, batch_size=1000, verbose=0), 1)
        record[f"class_counts_{name}"] = np.bincount(labels, minlength=10).tolist()
        nn = test_nn if name == "test_half" else pairwise_distances_argmin_min(x, xtr)[1]
        record[f"nearest_train_median_{name}"] = float(np.median(nn))
        record[f"nearest_train_min_{name}"] = float(np.min(nn))
    record["train_seconds"] = trained - start
    record["sample_seconds"] = sampled - trained
    record["seconds"] = time.perf_counter() - start
    if samples_out is not None:
        with open(samples_out, "wb") as f:  # at the path given, without a suffix added
            np.save(f, np.round(sets["langevin"][:64] * 255).astype("uint8"))
    return record
