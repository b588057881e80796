"""The bad-input catalogue: one table, across the public API and the CLI.

Each row names a case, makes the call, and states the contract:

- `raises(Error, pattern)`: the call raises `Error` whose message matches
  `pattern`, which names the argument (or input), what was received and what
  was expected;
- `exits(pattern)`: the command line exits with status 2 and one line on
  stderr that matches `pattern`, before any training;
- `ok(check)`: the input is legitimate and `check(result)` states what is
  done with it (integer inputs are cast with values unchanged, empty batches
  give empty outputs, NaN passes through).

Every row also checks that no file was left behind: the case's folder holds
exactly what it held before the call.
"""

import contextlib
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras import DenseTranspose
from daekeras import HalfSumSquaredError
from daekeras import MaskingNoise
from daekeras import SaltAndPepperNoise
from daekeras import SigmoidUniform
from daekeras import SummedBinaryCrossentropy
from daekeras import UnscaledDropout
from daekeras import experiments
from daekeras import load_mnist
from daekeras import to_unit_vectors
from daekeras.__main__ import main
from daekeras.data import VENDORED_SHA256

ROOT = Path(__file__).resolve().parent.parent
MNIST = ROOT / "data" / "mnist.npz"
X = np.random.default_rng(0).random((4, 6)).astype("float32")


# -- Outcomes -----------------------------------------------------------------


@dataclass
class raises:
    error: type
    pattern: str

    def __str__(self):
        return f"raises {self.error.__name__} /{self.pattern}/"


@dataclass
class exits:
    pattern: str

    def __str__(self):
        return f"exit 2 /{self.pattern}/"


@dataclass
class ok:
    check: object
    what: str

    def __str__(self):
        return f"ok: {self.what}"


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def cli(*argv):
    """Run the command line in-process: `(status, stderr)`."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(list(argv))
        except SystemExit as done:
            status = done.code
    return status, err.getvalue()


# -- Helpers that set up one case in its folder `tmp` ---------------------------


def built_dense(units=3, input_dim=6):
    dense = keras.layers.Dense(units)
    dense.build((None, input_dim))
    return dense


def mnist_copy(tmp, mutate):
    """A copy of the vendored MNIST in `tmp`, changed by `mutate(bytes)`."""
    path = tmp / "mnist.npz"
    path.write_bytes(mutate(MNIST.read_bytes()))
    return path


def flip_byte(data):
    data = bytearray(data)
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def small_npz(tmp):
    path = tmp / "small.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    return path


def read_only_file(tmp):
    path = tmp / "locked.json"
    path.write_text("{}\n")
    path.chmod(0o444)
    return path


def truncated_results(tmp):
    """A results file cut off in the middle, as a killed writer without rename would leave it."""
    path = tmp / "exp1.json"
    path.write_text('{"experiment": "exp1", "runs": [{"seed": 0, "test_')
    return path


def results_file(tmp, experiment):
    """A results file of `experiment` without runs, as `--out` would merge into."""
    path = tmp / f"{experiment}.json"
    path.write_text(json.dumps({"schema": 1, "experiment": experiment, "runs": [],
                                "command": f"python -m daekeras {experiment}"}))
    return path


def sidecar(tmp, text):
    """An unfinished run's sidecar beside `tmp/exp2.json` holding `text`."""
    (tmp / "exp2.json.partial").write_text(text)
    return tmp / "exp2.json"


def fit_once(x, seed=3, **fit_kwargs):
    dae = DenoisingAutoencoder(6, 3, corruption_rate=0.25, seed=seed)
    dae.compile(optimizer=keras.optimizers.SGD(0.1), loss=SummedBinaryCrossentropy())
    history = dae.fit(x, x, batch_size=2, epochs=1, shuffle=False, verbose=0, **fit_kwargs)
    return dae, history.history


def same_training_as_float(result):
    dae, _ = result
    binary = (X > 0.5).astype("float32")
    reference, _ = fit_once(binary)
    return all(np.array_equal(a, b) for a, b in zip(dae.get_weights(), reference.get_weights()))


# -- The catalogue --------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
RATE = r"`rate` must be a float in \[0, 1\)\. Received: rate="
SEED = r"`seed` must be None or an integer in \[0, \d+\]\. Received: seed="

# (id, make: tmp -> call, outcome)
CASES = [
    # Rates outside [0, 1), NaN, bool, string.
    ("rate-above-one", lambda t: lambda: MaskingNoise(1.5), raises(ValueError, RATE + r"1\.5")),
    ("rate-negative", lambda t: lambda: MaskingNoise(-0.1), raises(ValueError, RATE + r"-0\.1")),
    ("rate-one", lambda t: lambda: UnscaledDropout(1.0), raises(ValueError, RATE + r"1\.0")),
    ("rate-nan", lambda t: lambda: MaskingNoise(NAN), raises(ValueError, RATE + "nan")),
    ("rate-inf", lambda t: lambda: UnscaledDropout(INF), raises(ValueError, RATE + "inf")),
    ("rate-bool", lambda t: lambda: MaskingNoise(True), raises(TypeError, RATE + r"True \(of type bool\)")),
    ("rate-string", lambda t: lambda: SaltAndPepperNoise("0.5"), raises(TypeError, RATE + r"'0\.5' \(of type str\)")),
    ("salt-below-pepper", lambda t: lambda: SaltAndPepperNoise(0.2, low=1.0, high=0.0),
     raises(ValueError, r"`high` must be greater than `low`\. Received: low=1\.0, high=0\.0")),
    ("pepper-nan", lambda t: lambda: SaltAndPepperNoise(0.2, low=NAN),
     raises(TypeError, r"`low` must be a finite real number\. Received: low=nan")),
    ("dae-rate-one", lambda t: lambda: DenoisingAutoencoder(6, 3, corruption_rate=1.0),
     raises(ValueError, r"`corruption_rate` must be a float in \[0, 1\)\. Received: corruption_rate=1\.0")),
    ("toolbox-masking", lambda t: lambda: experiments.toolbox_run(masking=1.5, n_train=100),
     raises(ValueError, r"toolbox_run: Argument `masking` must be a float in \[0, 1\)\. Received: masking=1\.5")),
    ("theano-corruption", lambda t: lambda: experiments.theano_run(corruption=-0.5, n_train=100),
     raises(ValueError, r"theano_run: Argument `corruption` must be a float in \[0, 1\)\. Received: corruption=-0\.5")),
    # Bad seeds: negative, float, huge, string.
    ("seed-negative", lambda t: lambda: MaskingNoise(0.5, seed=-1), raises(ValueError, SEED + "-1")),
    ("seed-float", lambda t: lambda: SaltAndPepperNoise(0.5, seed=1.5), raises(ValueError, SEED + r"1\.5")),
    ("seed-huge", lambda t: lambda: UnscaledDropout(0.5, seed=2**70), raises(ValueError, SEED + str(2**70))),
    ("seed-string", lambda t: lambda: MaskingNoise(0.5, seed="0"), raises(ValueError, SEED + "'0'")),
    ("initializer-seed", lambda t: lambda: SigmoidUniform(seed=-1), raises(ValueError, "SigmoidUniform: Argument " + SEED + "-1")),
    ("dae-seed-float", lambda t: lambda: DenoisingAutoencoder(6, 3, seed=1.5),
     raises(ValueError, r"DenoisingAutoencoder: Argument `seed` must be None or an integer in \[0, \d+\]\. Received: seed=1\.5")),
    ("dae-seed-negative", lambda t: lambda: DenoisingAutoencoder(6, 3, seed=-1),
     raises(ValueError, r"DenoisingAutoencoder: Argument `seed` .*Received: seed=-1")),
    ("toolbox-seed-negative", lambda t: lambda: experiments.toolbox_run(seed=-1, n_train=100),
     raises(ValueError, r"toolbox_run: Argument `seed` must be an integer in \[0, \d+\]\. Received: seed=-1")),
    ("theano-seed-huge", lambda t: lambda: experiments.theano_run(seed=2**40, n_train=100),
     raises(ValueError, rf"theano_run: Argument `seed` .*Received: seed={2**40}")),
    # Wrong types, dtypes and ranks.
    ("layer-string-input", lambda t: lambda: MaskingNoise(0.5)(np.array([["a", "b"]]), training=True),
     raises(TypeError, r"MaskingNoise: Expected `inputs` of a float, integer or boolean dtype\. Received: inputs with dtype <U1")),
    ("loss-string-target", lambda t: lambda: SummedBinaryCrossentropy()(np.array([["a"]]), np.full((1, 1), 0.5)),
     raises(TypeError, r"Expected `y_true` of a float, integer or boolean dtype\. Received: y_true with dtype <U1")),
    ("loss-shapes", lambda t: lambda: HalfSumSquaredError()(np.ones((2, 3)), np.ones((2, 4))),
     raises(ValueError, r"`y_true` and `y_pred` of the same shape\. Received: y_true\.shape=\(2, 3\), y_pred\.shape=\(2, 4\)")),
    ("tie-to-non-dense", lambda t: lambda: DenseTranspose("encoder"),
     raises(TypeError, r"`tied_to` must be a keras\.layers\.Dense layer\. Received: tied_to='encoder'")),
    ("transpose-rank-3", lambda t: lambda: DenseTranspose(built_dense())(np.ones((2, 2, 3), "float32")),
     raises(ValueError, r"`input_shape` of rank 2\. Received: input_shape with shape \(2, 2, 3\)")),
    ("tied-shape-mismatch", lambda t: lambda: DenseTranspose(built_dense(units=3))(np.ones((2, 4), "float32")),
     raises(ValueError, r"last dimension 3 .*Received: input_shape=\(2, 4\)")),
    ("encoder-not-built", lambda t: lambda: DenseTranspose(keras.layers.Dense(3))(np.ones((2, 3), "float32")),
     raises(ValueError, r"the tied layer .* must be built before the decoder")),
    ("decoder-not-tied", lambda t: lambda: DenseTranspose()(np.ones((2, 3), "float32")),
     raises(ValueError, r"is not tied to any Dense layer")),
    ("use-bias-string", lambda t: lambda: DenseTranspose(use_bias="yes"),
     raises(TypeError, r"`use_bias` must be a bool\. Received: use_bias='yes'")),
    ("dae-rank-3", lambda t: lambda: DenoisingAutoencoder(6, 3)(np.ones((2, 2, 6), "float32")),
     raises(ValueError, r"rank 2\. Received: input_shape with shape \(2, 2, 6\)")),
    ("dae-width", lambda t: lambda: DenoisingAutoencoder(6, 3)(np.ones((2, 7), "float32")),
     raises(ValueError, r"input_dim=6\. Received: input_shape=\(2, 7\)")),
    ("dae-tied-int", lambda t: lambda: DenoisingAutoencoder(6, 3, tied=1),
     raises(TypeError, r"`tied` must be a bool\. Received: tied=1")),
    ("init-rank-3", lambda t: lambda: SigmoidUniform()((3, 4, 5)),
     raises(ValueError, r"cannot infer fan_in and fan_out .*Received: shape=\(3, 4, 5\)")),
    ("fan-in-zero", lambda t: lambda: SigmoidUniform(fan_in=0),
     raises(ValueError, r"`fan_in` must be a positive integer\. Received: fan_in=0")),
    ("images-float", lambda t: lambda: to_unit_vectors(np.zeros((2, 28, 28), "float32")),
     raises(TypeError, r"`images` of dtype uint8\. Received: dtype float32")),
    # Unknown activations, initialisers, losses, options.
    ("activation-unknown", lambda t: lambda: DenseTranspose(activation="nope"),
     raises(ValueError, r"`activation` must be None, a callable or the name of a Keras activation\. Received: activation='nope'")),
    ("initializer-unknown", lambda t: lambda: DenseTranspose(bias_initializer="nope"),
     raises(ValueError, r"`bias_initializer` must be .*Received: bias_initializer='nope'")),
    ("dae-output-activation", lambda t: lambda: DenoisingAutoencoder(6, 3, output_activation="nope"),
     raises(ValueError, r"`output_activation` must be None, a callable or the name of a Keras activation\. Received: output_activation='nope'")),
    ("dae-hidden-activation", lambda t: lambda: DenoisingAutoencoder(6, 3, hidden_activation="nope"),
     raises(ValueError, r"`hidden_activation` must be None, a callable or the name of a Keras activation\. Received: hidden_activation='nope'")),
    ("results-truncated", lambda t: (lambda p: lambda: experiments.load_results(p))(truncated_results(t)),
     raises(ValueError, r"is not a complete results file .*Regenerate it")),
    ("results-other-experiment", lambda t: lambda: experiments.load_results(ROOT / "results" / "exp1.json", experiment="exp2"),
     raises(ValueError, r"`experiment` expects a file of 'exp2'\. Received: .*exp1\.json', a file of 'exp1'")),
    ("dae-init-unknown", lambda t: lambda: DenoisingAutoencoder(6, 3, init="he"),
     raises(ValueError, r"`init` must be one of \[.*\]\. Received: init='he'")),
    ("corruption-unknown", lambda t: lambda: DenoisingAutoencoder(6, 3, corruption="dropout"),
     raises(ValueError, r"`corruption` must be one of \[.*\]\. Received: corruption='dropout'")),
    ("loss-epsilon", lambda t: lambda: SummedBinaryCrossentropy(epsilon=-1),
     raises(ValueError, r"`epsilon` must be None or a float in \(0, 0\.5\)\. Received: epsilon=-1")),
    ("loss-reduction", lambda t: lambda: HalfSumSquaredError(reduction="bogus"),
     raises(ValueError, r"argument `reduction`.*Received: reduction=bogus")),
    # load_mnist: missing, truncated, corrupt, wrong checksum, wrong shape.
    ("mnist-missing", lambda t: lambda: load_mnist(path=t / "none.npz"),
     raises(FileNotFoundError, r"`path` must name an existing mnist\.npz file\. Received: path='.*none\.npz'")),
    ("mnist-truncated", lambda t: (lambda p: lambda: load_mnist(path=p))(mnist_copy(t, lambda b: b[:100_000])),
     raises(ValueError, rf"mnist\.npz' has sha256 [0-9a-f]{{64}}, expected one of \['{VENDORED_SHA256}'")),
    ("mnist-corrupt", lambda t: (lambda p: lambda: load_mnist(path=p))(mnist_copy(t, flip_byte)),
     raises(ValueError, r"mnist\.npz' has sha256 [0-9a-f]{64}, expected one of")),
    ("mnist-wrong-checksum", lambda t: lambda: load_mnist(path=MNIST, sha256="0" * 64),
     raises(ValueError, rf"has sha256 {VENDORED_SHA256}, expected one of \['0{{64}}'\]")),
    ("mnist-malformed-checksum", lambda t: lambda: load_mnist(sha256="abc"),
     raises(ValueError, r"`sha256` must be None, False or a hex sha256 string of 64 characters\. Received: sha256='abc'")),
    ("mnist-truncated-unchecked", lambda t: (lambda p: lambda: load_mnist(path=p, sha256=False))(mnist_copy(t, lambda b: b[:100_000])),
     raises(ValueError, r"mnist\.npz' is not a readable \.npz archive of MNIST")),
    ("mnist-wrong-shape", lambda t: (lambda p: lambda: load_mnist(path=p, sha256=False))(small_npz(t)),
     raises(ValueError, r"x_train in .* should have shape \(60000, 28, 28\) .*Received: shape \(2, 28, 28\)")),
    ("mnist-path-type", lambda t: lambda: load_mnist(path=123),
     raises(TypeError, r"`path` must be a file path .*Received: path=123 \(of type int\)")),
    # The command line: unknown options and commands, bad values, output paths.
    ("cli-no-command", lambda t: lambda: cli(), exits(r"required: command")),
    ("cli-unknown-command", lambda t: lambda: cli("exp3"), exits(r"invalid choice: 'exp3'")),
    ("cli-unknown-option", lambda t: lambda: cli("exp1", "--epochs", "3"), exits(r"unrecognized arguments: --epochs 3")),
    ("cli-masking", lambda t: lambda: cli("exp1", "--masking", "1.5"),
     exits(r"argument --masking: expected a number in \[0, 1\), received '1\.5'")),
    ("cli-masking-nan", lambda t: lambda: cli("exp1", "--masking", "nan"),
     exits(r"argument --masking: expected a number in \[0, 1\), received 'nan'")),
    ("cli-corruption-text", lambda t: lambda: cli("exp2", "--corruption", "high"),
     exits(r"argument --corruption: expected a number in \[0, 1\), received 'high'")),
    ("cli-seed-negative", lambda t: lambda: cli("exp1", "--seeds", "0", "-1"),
     exits(r"argument --seeds: expected an integer in \[0, \d+\], received '-1'")),
    ("cli-seed-float", lambda t: lambda: cli("exp2", "--seed", "1.5"),
     exits(r"argument --seed: expected an integer in \[0, \d+\], received '1\.5'")),
    ("cli-seed-huge", lambda t: lambda: cli("dropout", "--seeds", str(10**12)),
     exits(rf"argument --seeds: expected an integer in \[0, \d+\], received '{10**12}'")),
    ("cli-n-train", lambda t: lambda: cli("exp1", "--n-train", "0"),
     exits(r"argument --n-train: expected a positive integer, received '0'")),
    ("cli-condition", lambda t: lambda: cli("dropout", "--conditions", "dae", "bagging"),
     exits(r"argument --conditions: invalid choice: 'bagging'")),
    ("cli-out-directory", lambda t: lambda: cli("exp1", "--out", str(t)),
     exits(r"Argument `--out` must be a writable file path\. Received: --out='.*', which is an existing directory")),
    ("cli-out-read-only", lambda t: (lambda p: lambda: cli("exp1", "--out", str(p)))(read_only_file(t)),
     exits(r"`--out` .*locked\.json', an existing read-only file \(mode 0o444\)")),
    ("cli-out-under-a-file", lambda t: (lambda p: lambda: cli("exp1", "--out", str(p / "x" / "r.json")))(read_only_file(t)),
     exits(r"`--out` .*, whose folder '.*locked\.json' is not a directory")),
    ("cli-out-unwritable", lambda t: lambda: cli("exp1", "--out", "/proc/daekeras/r.json"),
     exits(r"`--out` .*Received: --out='/proc/daekeras/r\.json', where no file can be written")),
    ("cli-out-other-experiment", lambda t: (lambda p: lambda: cli("exp2", "--out", str(p)))(results_file(t, "exp1")),
     exits(r"exp1\.json' holds runs of experiment='exp1', not of experiment='exp2'; .*--overwrite.*nothing was run")),
    ("cli-out-not-results", lambda t: (lambda p: lambda: cli("exp1", "--out", str(p)))(truncated_results(t)),
     exits(r"exp1\.json' is not a complete results file .*nothing was run")),
    ("cli-filters-directory", lambda t: lambda: cli("exp2", "--filters", str(t)),
     exits(r"Argument `--filters` must be a writable file path\. .*existing directory")),
    ("cli-partial-truncated", lambda t: (lambda p: lambda: cli("exp2", "--n-train", "20", "--out", str(p)))(
        sidecar(t, '{"experiment": "exp2", "runs": [')),
     exits(r"the partial results file '.*exp2\.json\.partial' cannot be read .*--no-resume")),
    ("cli-partial-other-experiment", lambda t: (lambda p: lambda: cli("exp2", "--n-train", "20", "--out", str(p)))(
        sidecar(t, '{"experiment": "exp1", "runs": []}')),
     exits(r"partial results file .* does not match this command's experiment: expected experiment='exp2', received experiment='exp1'")),
    # Legitimate inputs, handled by a stated rule.
    ("uint8-into-masking", lambda t: lambda: MaskingNoise(0.5, seed=1)(np.full((2, 50), 200, np.uint8), training=True),
     ok(lambda y: y.dtype == "float32" and set(np.unique(to_numpy(y))) == {0.0, 200.0},
        "cast to float32, values unchanged")),
    ("int-into-dropout", lambda t: lambda: UnscaledDropout(0.25)(np.full((1, 4), 4, np.int32)),
     ok(lambda y: to_numpy(y).tolist() == [[3.0, 3.0, 3.0, 3.0]], "4 → 4·(1 − 0.25) = 3.0")),
    ("bool-into-salt-and-pepper", lambda t: lambda: SaltAndPepperNoise(0.5, seed=1)(np.ones((1, 20), bool)),
     ok(lambda y: y.dtype == "float32" and to_numpy(y).tolist() == [[1.0] * 20], "cast to 1.0, identity at inference")),
    ("int-into-transpose", lambda t: (lambda d: lambda: (d, DenseTranspose(d)(np.arange(6).reshape(2, 3))))(built_dense()),
     ok(lambda r: np.allclose(to_numpy(r[1]), np.arange(6, dtype="float32").reshape(2, 3) @ to_numpy(r[0].kernel).T),
        "same as the float input (the kernel is not truncated)")),
    ("empty-batch-masking", lambda t: lambda: MaskingNoise(0.5, seed=1)(np.zeros((0, 6), "float32"), training=True),
     ok(lambda y: tuple(y.shape) == (0, 6), "an empty batch out")),
    ("empty-batch-transpose", lambda t: lambda: DenseTranspose(built_dense())(np.zeros((0, 3), "float32")),
     ok(lambda y: tuple(y.shape) == (0, 6), "an empty batch out")),
    ("nan-through-layers", lambda t: lambda: MaskingNoise(0.5, seed=1)(np.array([[NAN, INF, 1.0]], "float32")),
     ok(lambda y: math.isnan(to_numpy(y)[0, 0]) and to_numpy(y)[0, 1] == INF, "NaN and inf pass through at inference")),
    ("integer-data-into-fit", lambda t: lambda: fit_once((X > 0.5).astype("uint8")),
     ok(same_training_as_float, "uint8 0/1 data trains bitwise as float32 0/1")),
    ("nan-data-into-fit", lambda t: lambda: fit_once(np.where(X > 0.5, NAN, X), callbacks=[keras.callbacks.TerminateOnNaN()]),
     ok(lambda r: math.isnan(r[1]["loss"][0]), "a NaN loss (pass-through); TerminateOnNaN stops training")),
]


def test_catalogue_is_large_and_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 40
    assert sum(isinstance(case[2], ok) for case in CASES) >= 5


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


@pytest.mark.parametrize("make, outcome", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(make, outcome, tmp_path):
    if isinstance(outcome, exits) and "/proc/" in outcome.pattern and not Path("/proc").is_dir():
        pytest.skip("no /proc on this system")
    call = make(tmp_path)
    before = snapshot(tmp_path)
    if isinstance(outcome, raises):
        with pytest.raises(outcome.error) as info:
            call()
        assert re.search(outcome.pattern, str(info.value), re.DOTALL), str(info.value)
    elif isinstance(outcome, exits):
        status, stderr = call()
        assert status == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        assert lines[0].startswith("python -m daekeras")
        assert re.search(outcome.pattern, lines[0]), lines[0]
    else:
        assert outcome.check(call()), outcome.what
    assert snapshot(tmp_path) == before  # nothing left behind, nothing removed
