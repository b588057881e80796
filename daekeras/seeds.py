"""Every random stream of a run, derived from one root seed without collisions.

A run (an experiment, a notebook) has one **root seed**. Each random stream of
the run (the initial kernel of an encoder, the masks of a corruption layer,
the order of the training batches) gets its own integer seed, derived here and
nowhere else:

    root ──derive──▶ component seed ──derive──▶ stream seed
    0      "autoencoder_1"  →  2       "encoder_kernel"  →  301

`derive(seed, name)` is `seed · SLOTS + slot(name)`, where `slot` numbers the
names of `NAMES` (a fixed registry) from 0 to `SLOTS − 1`. Applied twice, it
maps `(root, component, stream)` one-to-one onto the integers
`root · SLOTS² + slot(component) · SLOTS + slot(stream)`: two different
triples can never give the same seed, whatever the roots, so no two runs and no
two layers of a run share a stream. A hash of the names would only make
collisions unlikely; this makes them impossible.

Keras draws with counter-based generators (`keras.random.SeedGenerator`, and
the stateless ops of TensorFlow behind it): two generators given the same
integer draw the same numbers. TensorFlow reduces seeds modulo `2³¹ − 2`, so
every stream seed stays below that bound, which caps root seeds at
`MAX_ROOT_SEED`.

Models and layers of the package receive the seeds they are given and never do
seed arithmetic themselves: `DenoisingAutoencoder(seed=s)` and
`build_classifier(seed=s)` take a *component* seed and derive their own
streams from it with `derive(s, "encoder_kernel")` and the like; the
pipelines of `daekeras.stacking` and `daekeras.experiments` give each model a
component seed `derive(root, "autoencoder_1")`, `derive(root, "classifier")`.
Notebooks do the same with `component_seed(SEED, "model_1")` for a daekeras
model and `stream_seed(SEED, "noise_1")` for a plain Keras layer or a NumPy
generator.

Example:

>>> component_seed(0, "autoencoder_1")
2
>>> derive(2, "encoder_kernel")
301
>>> stream_seed(0, "autoencoder_1", "encoder_kernel")
301
>>> stream_seed(1, "autoencoder_1", "encoder_kernel")  # root 1: another block
16685
"""

import numbers

#: Number of names, and the radix of `derive`.
SLOTS = 128

#: The seeds TensorFlow's stateless random ops can tell apart (it reduces an
#: int64 seed modulo `2³¹ − 2`).
SEED_SPACE = 2**31 - 2


def _registry():
    names = [
        # Components of a run.
        "run",
        "classifier",
        *(f"autoencoder_{i}" for i in range(1, 17)),
        *(f"model_{i}" for i in range(1, 9)),
        *(f"noise_{i}" for i in range(1, 9)),
        *(f"data_{i}" for i in range(1, 9)),
        # Streams of a component.
        "global",
        "shuffle",
        "corruption",
        "encoder_kernel",
        "encoder_bias",
        "decoder_kernel",
        "decoder_bias",
        "output_kernel",
        "output_bias",
        *(f"hidden_{i}_{part}" for i in range(1, 17) for part in ("kernel", "bias", "dropout")),
        *(f"layer_{i}" for i in range(1, 9)),
        # Components of Experiment 3 (the SdA), apart from every other
        # experiment's; appended, so that no earlier name changes its slot.
        *(f"sda_autoencoder_{i}" for i in range(1, 4)),
        "sda_classifier",
    ]
    assert len(names) == len(set(names)) and len(names) <= SLOTS, len(names)
    return {name: slot for slot, name in enumerate(names)}


#: Every name a seed can be derived for, with its slot.
NAMES = _registry()

#: The largest root seed: every stream seed of a root stays below `SEED_SPACE`.
MAX_ROOT_SEED = SEED_SPACE // SLOTS**2 - 1

#: The largest component seed (what a daekeras model accepts as `seed`).
MAX_COMPONENT_SEED = SEED_SPACE // SLOTS - 1


def check_seed(seed, name="seed", owner=None, maximum=MAX_ROOT_SEED, allow_none=False):
    """Validate an integer seed in `[0, maximum]` and return it as an `int`.

    Args:
        seed: The value to check.
        name: The argument's name, for the error message.
        owner: Optional function or class name, for the error message.
        maximum: The largest accepted seed.
        allow_none: Whether `None` (no seed: fresh randomness) is accepted.

    Returns:
        `int(seed)`, or `None` when `seed` is `None` and `allow_none`.
    """
    if seed is None and allow_none:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= maximum:
        prefix = f"{owner}: " if owner else ""
        expected = "None or an integer" if allow_none else "an integer"
        raise ValueError(
            f"{prefix}Argument `{name}` must be {expected} in [0, {maximum}]. "
            f"Received: {name}={seed!r}"
        )
    return int(seed)


def derive(seed, name):
    """The seed of the child `name` of `seed`: `seed · SLOTS + slot(name)`.

    Args:
        seed: Non-negative integer, at most `SEED_SPACE // SLOTS − 1`.
        name: One of `NAMES`.

    Returns:
        An integer seed, different for every `(seed, name)` pair.
    """
    if name not in NAMES:
        raise ValueError(
            f"derive: Argument `name` must be one of the registered stream names "
            f"(daekeras.seeds.NAMES). Received: name={name!r}"
        )
    seed = check_seed(seed, "seed", "derive", maximum=MAX_COMPONENT_SEED)
    return seed * SLOTS + NAMES[name]


def component_seed(root, component):
    """The seed a daekeras model of the run `root` receives as `seed=`.

    Args:
        root: The run's root seed, in `[0, MAX_ROOT_SEED]`.
        component: A component name of `NAMES` (`"autoencoder_1"`,
            `"classifier"`, `"model_1"`, ...).
    """
    return derive(check_seed(root, "root", "component_seed"), component)


def stream_seed(root, component, stream=None):
    """The seed of one random stream of the run `root`.

    `stream_seed(root, c, s)` is `derive(derive(root, c), s)`. With one name,
    `stream_seed(root, s)` is the stream `s` of the component `"run"`: use it
    for a plain Keras layer or a NumPy generator of a notebook
    (`stream_seed(SEED, "noise_1")`, `stream_seed(SEED, "data_1")`).

    Args:
        root: The run's root seed, in `[0, MAX_ROOT_SEED]`.
        component: A component name of `NAMES`, or the stream name when
            `stream` is omitted.
        stream: A stream name of `NAMES`.
    """
    root = check_seed(root, "root", "stream_seed")
    if stream is None:
        component, stream = "run", component
    return derive(derive(root, component), stream)


def sub_seed(seed, stream):
    """`derive(seed, stream)`, or `None` when `seed` is `None` (unseeded)."""
    return None if seed is None else derive(seed, stream)
