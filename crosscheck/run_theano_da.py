"""Run the Theano dA tutorial's own `test_dA` under PyTensor.

The tutorial (github.com/lisa-lab/DeepLearningTutorials, `code/dA.py`) is not
part of this project and is not copied or edited: give the path of a clone with
``--tutorials``. Theano no longer installs on current Python; PyTensor, its
maintained successor, runs the file unchanged once this driver puts three
run-time aliases in `sys.modules` before importing it:

- ``theano`` is PyTensor (``theano.shared`` also remembers the variables named
  ``W``, so that the driver can read the trained filters afterwards);
- ``theano.tensor`` is ``pytensor.tensor`` plus ``T.nnet.sigmoid``
  (``pytensor.tensor.sigmoid``; PyTensor has no ``nnet`` module);
- ``theano.sandbox.rng_mrg.MRG_RandomStreams`` is PyTensor's ``RandomStream``
  with the tutorial's seed, and its ``binomial(size, n, p, dtype)`` is
  ``RandomStream.binomial(n, p, size=size)`` cast to ``dtype``. PyTensor has no
  MRG31k3p generator, so the masks are drawn by NumPy's generator: the same
  distribution, other numbers than Theano's.

The tutorial's ``load_data`` reads ``mnist.pkl.gz``; the driver writes one from
the project's ``data/mnist.npz`` (training split: the first 50,000 training
images; validation: the other 10,000; test: the test set; pixels / 255 as
float32, as daekeras uses them) and calls ``dA.test_dA(dataset=...)`` with the
tutorial's defaults (15 epochs, batch 20, learning rate 0.1, corruption 0 then
0.3, ``numpy.random.RandomState(123)``). It records the costs the tutorial
prints, the wall time of each training, the two filter images the tutorial
saves, and the statistics of Chapter 5 on all 500 filters of each model.

Usage (in an environment with ``pip install pytensor pillow`` and NumPy)::

    python crosscheck/run_theano_da.py --tutorials PATH/DeepLearningTutorials \
        --out results/theano_pytensor.json
"""

import argparse
import gzip
import importlib
import io
import os
import pickle
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "results" / "theano_pytensor.json"
COST_LINE = re.compile(r"^Training epoch (\d+), cost\s+(\S+)\s*$")
RAN_FOR = re.compile(r"ran for ([0-9.]+)m")


class _Tee(io.TextIOBase):
    """Write through to `stream` and keep every complete line with its time."""

    def __init__(self, stream):
        self.stream = stream
        self.lines = []
        self._partial = ""

    def write(self, text):
        self.stream.write(text)
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        now = time.perf_counter()
        self.lines += [(now, line) for line in done]
        return len(text)

    def flush(self):
        self.stream.flush()


def install_aliases():
    """Make `import theano` and what dA.py imports from it resolve to PyTensor."""
    import pytensor
    import pytensor.tensor as pt
    from pytensor.tensor.random.utils import RandomStream

    created_w = []

    def shared(value, *args, **kwargs):
        var = pytensor.shared(value, *args, **kwargs)
        if kwargs.get("name") == "W":
            created_w.append(var)
        return var

    class MRG_RandomStreams:
        """Theano's MRG_RandomStreams interface on PyTensor's RandomStream."""

        def __init__(self, seed):
            self.seed = int(seed)
            self._streams = RandomStream(self.seed)

        def binomial(self, size=None, n=1, p=0.5, dtype="int64", **kwargs):
            return pt.cast(self._streams.binomial(n, p, size=size), dtype)

    theano = types.ModuleType("theano")
    theano.__dict__.update({k: getattr(pytensor, k) for k in ("config", "function", "grad", "In", "Out")
                            if hasattr(pytensor, k)})
    theano.shared = shared
    tensor = types.ModuleType("theano.tensor")
    tensor.__dict__.update({k: v for k, v in vars(pt).items() if not k.startswith("__")})
    tensor.nnet = types.SimpleNamespace(sigmoid=pt.sigmoid)
    sandbox = types.ModuleType("theano.sandbox")
    rng_mrg = types.ModuleType("theano.sandbox.rng_mrg")
    rng_mrg.MRG_RandomStreams = MRG_RandomStreams
    theano.tensor, theano.sandbox, sandbox.rng_mrg = tensor, sandbox, rng_mrg
    sys.modules.update({"theano": theano, "theano.tensor": tensor,
                        "theano.sandbox": sandbox, "theano.sandbox.rng_mrg": rng_mrg})
    return created_w


def write_mnist_pkl(path):
    with np.load(ROOT / "data" / "mnist.npz") as d:
        x_train = d["x_train"].reshape(60000, -1).astype("float32") / 255.0
        x_test = d["x_test"].reshape(10000, -1).astype("float32") / 255.0
        y_train = d["y_train"].astype("int64")
        y_test = d["y_test"].astype("int64")
    sets = ((x_train[:50000], y_train[:50000]), (x_train[50000:], y_train[50000:]), (x_test, y_test))
    with gzip.open(path, "wb") as f:
        pickle.dump(sets, f, protocol=4)


def filter_statistics(kernel):
    """Chapter 5's statistics of every filter (columns of the 784 × 500 kernel)."""
    sys.path.insert(0, str(ROOT))
    from daekeras.filters import LOCALISATION_RADIUS
    from daekeras.filters import energy_concentration
    from daekeras.filters import energy_localisation
    from daekeras.filters import filter_summary
    from daekeras.filters import neighbour_correlation

    limit = 4 * np.sqrt(6.0 / (kernel.shape[0] + kernel.shape[1]))
    per_filter = {
        "neighbour_correlation": neighbour_correlation(kernel),
        "energy_top10": energy_concentration(kernel, fraction=0.1),
        "energy_localisation": energy_localisation(kernel, radius=LOCALISATION_RADIUS, noise_variance=limit**2 / 3),
    }
    return {
        "summary": filter_summary(kernel),
        "per_filter": {k: [float(f"{v:.5g}") for v in values] for k, values in per_filter.items()},
    }


def git_commit(path, given):
    if given:
        return given
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sys.exit(f"run_theano_da.py: {path} is not a git clone; give its commit with --tutorials-commit.")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="crosscheck/run_theano_da.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tutorials", type=Path, required=True, help="path of a DeepLearningTutorials clone")
    parser.add_argument("--tutorials-commit", default=None, help="its commit, if the path is not a git clone")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=15, help="training_epochs of test_dA (default: 15)")
    args = parser.parse_args(argv)
    code = args.tutorials / "code"
    if not (code / "dA.py").is_file():
        sys.exit(f"run_theano_da.py: Argument `--tutorials` must be a DeepLearningTutorials clone (with "
                 f"code/dA.py). Received: --tutorials={args.tutorials}")
    commit = git_commit(args.tutorials, args.tutorials_commit)

    created_w = install_aliases()
    import pytensor

    sys.path.insert(0, str(code))
    dA = importlib.import_module("dA")
    out_dir = args.out.parent
    stem = args.out.stem
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_mnist_pkl(tmp / "mnist.pkl.gz")
        cwd = os.getcwd()
        os.chdir(tmp)
        tee_out, tee_err = _Tee(sys.stdout), _Tee(sys.stderr)
        sys.stdout, sys.stderr = tee_out, tee_err
        start = time.perf_counter()
        try:
            dA.test_dA(training_epochs=args.epochs, dataset=str(tmp / "mnist.pkl.gz"), output_folder="dA_plots")
        finally:
            sys.stdout, sys.stderr = tee_out.stream, tee_err.stream
            os.chdir(cwd)
        seconds = time.perf_counter() - start
        images = {}
        for corruption, name in ((0.0, "filters_corruption_0.png"), (0.3, "filters_corruption_30.png")):
            target = out_dir / f"{stem}_{name}"
            shutil.copyfile(tmp / "dA_plots" / name, target)
            images[corruption] = str(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)

    # The printed cost lines, in order: epochs 0..E-1 of corruption 0, then of 0.3.
    costs = [(t, int(m.group(1)), float(m.group(2)))
             for t, line in tee_out.lines if (m := COST_LINE.match(line))]
    if len(costs) != 2 * args.epochs or len(created_w) != 2:
        sys.exit(f"run_theano_da.py: expected {2 * args.epochs} cost lines and 2 weight matrices, "
                 f"found {len(costs)} and {len(created_w)}")
    printed = [float(m.group(1)) * 60 for _, line in tee_err.lines if (m := RAN_FOR.search(line))]
    runs = []
    for i, corruption in enumerate((0.0, 0.3)):
        part = costs[i * args.epochs:(i + 1) * args.epochs]
        kernel = np.asarray(created_w[i].get_value())
        runs.append({
            "corruption": corruption,
            "epochs": args.epochs,
            "n_train": 50000,
            "batch_size": 20,
            "learning_rate": 0.1,
            "costs": [c for _, _, c in part],
            # The tutorial's own timer (timeit around the epoch loop), printed in minutes.
            "training_seconds_printed": round(printed[i], 1) if i < len(printed) else None,
            # Median time between two epoch lines: one epoch, without compilation.
            "seconds_per_epoch": round(float(np.median(np.diff([t for t, _, _ in part]))), 2),
            "filters_image": images[corruption],
            "filters": filter_statistics(kernel),
        })

    import numpy
    from pytensor.compile.mode import get_default_mode

    results = {
        "experiment": "theano_pytensor",
        "command": " ".join(shlex.quote(a) for a in ["python", "crosscheck/run_theano_da.py", *sys.argv[1:]]),
        "tutorials": {"repository": "github.com/lisa-lab/DeepLearningTutorials", "commit": commit,
                      "file": "code/dA.py", "function": "test_dA"},
        "aliases": "theano -> pytensor; T.nnet.sigmoid -> pytensor.tensor.sigmoid; "
                   "MRG_RandomStreams(seed).binomial -> pytensor RandomStream(seed).binomial (NumPy generator)",
        "versions": {"python": platform.python_version(), "pytensor": pytensor.__version__,
                     "numpy": numpy.__version__, "floatX": pytensor.config.floatX,
                     "linker": type(get_default_mode().linker).__name__,
                     "numba": _version("numba"),
                     "cxx": pytensor.config.cxx or "(none: Python implementations)"},
        "machine": {"cpu": _cpu(), "cores": os.cpu_count()},
        "seconds": round(seconds, 1),
        "runs": runs,
    }
    sys.path.insert(0, str(ROOT))
    from daekeras.results import write_json_atomic

    write_json_atomic(results, args.out)
    print(f"wrote {args.out}", file=sys.stderr)


def _version(package):
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
