#!/usr/bin/env bash
# daekeras on a machine with JAX and a CUDA GPU but no TensorFlow: the unit
# tests on the JAX backend, one Experiment 2 epoch (timed on the GPU and, for
# the speed-up, on the same machine's CPU), the benchmark suite, and a report
# with the device, the times and the ratios.
#
#   PYTHON=/path/to/python benchmarks/gpu_check.sh [--quick] [--no-benchmarks]
#
# Nothing is installed from the internet and nothing is installed at all
# unless WHEELS is set: PYTHON must import jax, keras, pytest, yaml,
# matplotlib, scipy, statsmodels, sklearn and filelock already; WHEELS=DIR
# installs what is missing of keras, pytest, pyyaml, statsmodels and filelock
# from the wheel files in DIR (`pip install --no-index`). daekeras
# itself is imported from this source tree. LOGDIR=DIR keeps each step's
# output there (default: a new temporary folder).
#
# The benchmarks run as `benchmarks/run.py --quick`: the full suite also
# executes the book's notebooks, which need TensorFlow and Jupyter.
#
# --quick: two test files (backend parity, device report) and a 2000-image
# epoch. `make test-gpu-fallback` runs that on a machine without a GPU, where
# the report says "no GPU". --no-benchmarks leaves the benchmark suite out
# (the device, the epoch and the tests only). Exit status 0 when every step
# passed.
#
# The figures come first and each is printed as soon as it exists: the
# device, the Experiment 2 epoch, the benchmarks; the unit tests last, within
# what is left of BUDGET seconds (default 180 with --quick, 480 without), so
# that a lent machine with little time still returns the timings. Tests cut
# off by the budget count as a failed step, and the report says so.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
QUICK=0
BENCH=1
for arg in "$@"; do
    case $arg in
        --quick) QUICK=1 ;;
        --no-benchmarks) BENCH=0 ;;
        -h | --help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu_check.sh: unknown argument '$arg' (expected --quick, --no-benchmarks or --help)" >&2; exit 2 ;;
    esac
done

export KERAS_BACKEND=jax DAEKERAS_OFFLINE=1 PYTHONHASHSEED=0 MPLBACKEND=Agg TF_CPP_MIN_LOG_LEVEL=3
# JAX takes 75% of the GPU's memory per process by default; tests and the
# benchmarks start processes of their own while this one holds the GPU.
export XLA_PYTHON_CLIENT_PREALLOCATE=false
# Deterministic reductions on the GPU (daekeras.runtime.XLA_DETERMINISTIC_FLAG),
# for every process the check starts: a root seed then gives the same bits in
# each of them, which tests/test_resume.py asserts.
export XLA_FLAGS="${XLA_FLAGS:+$XLA_FLAGS }--xla_gpu_deterministic_ops=true"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
LOGDIR=${LOGDIR:-$(mktemp -d -t daekeras-gpu-check.XXXXXX)}
mkdir -p "$LOGDIR"
BUDGET=${BUDGET:-$([ "$QUICK" = 1 ] && echo 180 || echo 480)}
if ! [[ "$BUDGET" =~ ^[1-9][0-9]*$ ]]; then
    echo "gpu_check.sh: BUDGET must be a positive whole number of seconds; received BUDGET='$BUDGET'" >&2
    exit 2
fi

if [ -n "${WHEELS:-}" ]; then
    "$PYTHON" -m pip install --quiet --no-index --find-links "$WHEELS" keras pytest pyyaml statsmodels filelock \
        > "$LOGDIR/wheels.txt" 2>&1 \
        || { echo "gpu_check.sh: could not install keras, pytest, pyyaml, statsmodels, filelock from WHEELS=$WHEELS (see $LOGDIR/wheels.txt)" >&2; exit 2; }
fi
missing=$("$PYTHON" -c '
import importlib.util
print(" ".join(m for m in ("jax", "keras", "numpy", "matplotlib", "pytest", "yaml", "scipy", "statsmodels", "sklearn", "filelock") if importlib.util.find_spec(m) is None))
') || { echo "gpu_check.sh: cannot run PYTHON=$PYTHON" >&2; exit 2; }
if [ -n "$missing" ]; then
    echo "gpu_check.sh: $PYTHON cannot import: $missing. Point PYTHON at a Python that has them, or set WHEELS=DIR to a folder of their wheels." >&2
    exit 2
fi

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
failed=()
check_start=$(now)

# 1. Device.
"$PYTHON" - > "$LOGDIR/device.txt" 2>&1 <<'EOF'
import jax

import daekeras

print(daekeras.device_report())
gpus = [d for d in jax.devices() if d.platform == "gpu"]
if gpus:
    print("GPU: " + ", ".join(f"{d.device_kind} (GPU:{d.id})" for d in gpus))
else:
    print(f"no GPU: JAX {jax.__version__} runs on the {jax.default_backend().upper()}")
EOF
[ $? -eq 0 ] || failed+=("device report")
if grep -q "^GPU: " "$LOGDIR/device.txt"; then GPU=1; else GPU=0; fi
if [ "$GPU" = 0 ] && command -v nvidia-smi > /dev/null && nvidia-smi -L > "$LOGDIR/nvidia-smi.txt" 2>&1; then
    echo "note: nvidia-smi lists $(grep -c '^GPU' "$LOGDIR/nvidia-smi.txt") GPU(s) that JAX does not use (is jax[cuda12] installed?)" >> "$LOGDIR/device.txt"
fi
echo "== daekeras GPU check$([ "$QUICK" = 1 ] && echo ' (quick)') =="
cat "$LOGDIR/device.txt"

# 2. One Experiment 2 epoch (784-500 tied dA, batch 20), as the CLI runs it;
# `seconds` is the CLI's own time for the run, without start-up.
if [ "$QUICK" = 1 ]; then N_TRAIN=(--n-train 2000); else N_TRAIN=(); fi
exp2() {  # exp2 NAME [env assignments...]
    local name=$1
    shift
    env "$@" "$PYTHON" -m daekeras exp2 --epochs 1 --seed 0 "${N_TRAIN[@]}" --json \
        > "$LOGDIR/$name.json" 2> "$LOGDIR/$name.err"
}
exp2_field() {  # exp2_field NAME: "seconds cost n_train" of that run
    "$PYTHON" -c '
import json, sys
run = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["runs"][0]
print("%.1f %.2f %s" % (run["seconds"], run["costs"][0], run["n_train"]))' "$LOGDIR/$1.json"
}
if exp2 exp2; then
    read -r t_exp2 cost_exp2 n_exp2 <<< "$(exp2_field exp2)"
    echo "Experiment 2, one epoch of $n_exp2 images: ${t_exp2} s (cost ${cost_exp2})"
else
    failed+=("Experiment 2 epoch")
fi
if [ "$GPU" = 1 ]; then
    if exp2 exp2_cpu JAX_PLATFORMS=cpu; then
        read -r t_exp2_cpu cost_exp2_cpu _ <<< "$(exp2_field exp2_cpu)"
        if [ -n "${t_exp2:-}" ]; then
            echo "  the same epoch on this machine's CPU: ${t_exp2_cpu} s (cost ${cost_exp2_cpu});" \
                "GPU speed-up $(awk -v c="$t_exp2_cpu" -v g="$t_exp2" 'BEGIN { printf "%.1f", c / g }')x"
        fi
    else
        failed+=("Experiment 2 epoch on the CPU")
    fi
fi

# 3. The benchmark suite; its JAX row runs in a subprocess of this Python.
if [ "$BENCH" = 0 ]; then
    echo "benchmarks: not run (--no-benchmarks)"
elif grep -q -- '--quick' benchmarks/run.py; then
    BENCH_ARGS=(--quick)
else
    BENCH_ARGS=()
    bench_note="(benchmarks/run.py has no --quick: the full suite ran)"
fi
if [ "$BENCH" = 1 ]; then
    start=$(now)
    DAEKERAS_JAX_PYTHON="$PYTHON" "$PYTHON" benchmarks/run.py "${BENCH_ARGS[@]}" > "$LOGDIR/benchmarks.txt" 2>&1
    [ $? -eq 0 ] || failed+=("benchmarks")
    t_bench=$(seconds "$start" "$(now)")
    echo "benchmarks (benchmarks/run.py ${BENCH_ARGS[*]}): [${t_bench} s] ${bench_note:-}"
    grep 'ratio' "$LOGDIR/benchmarks.txt" | sed 's/^/  /'
fi

# 4. Unit tests on the JAX backend, in what is left of the budget. Full
# float32 matrix products: the tests compare with NumPy at float32
# tolerances, and JAX would use TensorFloat-32 on recent GPUs.
if [ "$QUICK" = 1 ]; then
    TESTS=(tests/test_backend_parity.py tests/test_runtime.py)
else
    TESTS=(tests)
fi
left=$(awk -v b="$BUDGET" -v a="$check_start" -v n="$(now)" 'BEGIN { printf "%d", b - (n - a) }')
if [ "$left" -lt 10 ]; then
    echo "unit tests (JAX, float32 matmuls): not run, the budget of ${BUDGET} s is spent"
    failed+=("unit tests (no time left of BUDGET=${BUDGET})")
else
    start=$(now)
    JAX_DEFAULT_MATMUL_PRECISION=float32 timeout "$left" "$PYTHON" -m pytest -p no:cacheprovider -q \
        -m "not book and not wheel and not gpu_check" "${TESTS[@]}" > "$LOGDIR/pytest.txt" 2>&1
    rc=$?
    t_tests=$(seconds "$start" "$(now)")
    if [ "$rc" = 124 ]; then
        echo "unit tests (JAX, float32 matmuls): stopped at the budget of ${BUDGET} s after ${t_tests} s" \
            "($(grep -o '\[ *[0-9]*%\]' "$LOGDIR/pytest.txt" | tail -n 1 | tr -d '[] ') done)"
        failed+=("unit tests (stopped by BUDGET=${BUDGET})")
    else
        [ "$rc" = 0 ] || failed+=("unit tests")
        tests_summary=$(grep -E '[0-9]+ (passed|failed|error)' "$LOGDIR/pytest.txt" | tail -n 1 | sed 's/=//g; s/^ *//; s/ *$//')
        echo "unit tests (JAX, float32 matmuls): ${tests_summary:-no summary} [${t_tests} s]"
    fi
fi

echo "logs: $LOGDIR"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "all steps passed"
