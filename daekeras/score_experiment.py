"""The generation chapter's MNIST run: a noise-conditional denoiser sampled by annealed Langevin.

One run (`run(config, seed)`) trains, from one root seed:

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
sample to its nearest training image.

The interface is the experiment registry's: `NAME`, `Config`, `run`,
`add_arguments`, `config_from_args`, `RUN_KEYS`.
"""

import argparse
import dataclasses
import time

import numpy as np

NAME = "score"


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one MNIST score run (defaults: the book's).

    Attributes:
        part: `"mnist"` (the MNIST run) or `"spiral"` (one replicate of the
            two-dimensional measurements of `daekeras.chapters.generation`,
            at its `BOOK` budget; the other fields are then not used).
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


def add_arguments(parser):
    """Add one option per field of `Config` (defaults: the book's) to `parser`."""
    for field in dataclasses.fields(Config):
        option = "--" + field.name.replace("_", "-")
        if field.name == "hidden":
            parser.add_argument(option, type=int, nargs="+", default=list(field.default),
                                help="hidden widths of the denoisers (default: %(default)s)")
        elif field.name == "part":
            parser.add_argument(option, choices=("mnist", "spiral"), default=field.default,
                                help="which part of the chapter (default: %(default)s)")
        else:
            parser.add_argument(option, type=type(field.default), default=field.default,
                                help=f"{field.name} (default: %(default)s)")
    return parser


def config_from_args(args):
    """The `Config` of parsed arguments (`add_arguments`)."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config)}
    values["hidden"] = tuple(values["hidden"])
    return Config(**values)


def load_data(n_train):
    """MNIST as float32 rows in [0, 1]: `(x_train[:n_train], y_train[:n_train], x_test, y_test)`."""
    from daekeras.data import load_mnist

    (xtr, ytr), (xte, yte) = load_mnist()
    xtr = xtr[:n_train].reshape(-1, 784).astype("float32") / 255.0
    xte = xte.reshape(-1, 784).astype("float32") / 255.0
    return xtr, ytr[:n_train], xte, yte


def train_denoiser(config, x, sigmas, seed, component="model_1", epochs=None):
    """A `NoiseConditionalDenoiser` trained on the rows of `x` over levels `sigmas`.

    Each epoch draws new levels and noise (`denoising_targets`) from the
    stream `noise_k` of `component`'s seed. Returns `(model, losses)`, the
    weighted loss of each epoch.
    """
    import keras

    from daekeras.generation import NoiseConditionalDenoiser, denoising_targets
    from daekeras.seeds import component_seed, derive

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
    """An MLP 784-256-`feature_width`-10 and the model giving its penultimate features."""
    import keras

    from daekeras.seeds import component_seed, derive

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
    """One run: train, sample, measure. Returns a JSON-able record (see the module docstring).

    `samples_out`, when given, is a path where the Langevin samples are
    saved as a `.npy` of uint8 (for the chapter's figure); not part of the record.
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    from daekeras.generation import (annealed_langevin, corrupt_reconstruct_chain, frechet_distance,
                                     geometric_sigmas)
    from daekeras.seeds import stream_seed

    start = time.perf_counter()
    if config.part == "spiral":
        from daekeras.chapters import generation as chapter

        record = {"seed": int(seed), **dataclasses.asdict(config)}
        record["hidden"] = list(config.hidden)
        record.update(chapter.record_of(chapter.measure_replicate(seed, 1, chapter.BOOK)))
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
        np.save(samples_out, np.round(sets["langevin"][:64] * 255).astype("uint8"))
    return record


def main(argv=None):
    """`python -m daekeras.score_experiment --seeds 0 1 --out results/score.json`."""
    import shlex
    import sys

    from daekeras import results
    from daekeras.runtime import configure_threads

    parser = argparse.ArgumentParser(prog="python -m daekeras score", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--samples-out", default=None, help="a .npy of seed 0's first 64 Langevin samples")
    add_arguments(parser)
    args = parser.parse_args(argv)
    configure_threads(1)
    config = config_from_args(args)
    argv = sys.argv[1:] if argv is None else argv
    command = "python -m daekeras score " + " ".join(shlex.quote(a) for a in argv if a)
    for seed in args.seeds:
        out = args.samples_out if seed == args.seeds[0] else None
        record = run(config, seed, samples_out=out)
        extra = ("train_seconds", "sample_seconds", "seconds")
        results.merge_runs(args.out, NAME, [record], command, RUN_KEYS,
                           same={"environment": results.environment()},
                           ignore=extra)
        if config.part == "spiral":
            print(f"seed {seed}: spiral ({record['seconds']:.0f} s)", flush=True)
            continue
        print(f"seed {seed}: fid langevin {record['fid_langevin']:.2f} chain {record['fid_chain']:.2f} "
              f"gaussian {record['fid_gaussian']:.2f} floor {record['fid_test_half']:.2f} "
              f"({record['seconds']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
