"""How long the command line takes to answer without training.

`python -m daekeras --help`, `--version` and argument errors must not import
Keras. This prints the median wall time of each, next to a bare Python start
(`python -c pass`) and an `import keras`, measured in the same run:

    python benchmarks/cli_startup.py [--repeat N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = [
    ("python -c pass", ["-c", "pass"], 0),
    ("python -m daekeras --help", ["-m", "daekeras", "--help"], 0),
    ("python -m daekeras exp1 --help", ["-m", "daekeras", "exp1", "--help"], 0),
    ("python -m daekeras --version", ["-m", "daekeras", "--version"], 0),
    ("python -m daekeras exp1 --masking 2", ["-m", "daekeras", "exp1", "--masking", "2"], 2),
    ("python -c 'import keras' (for scale)", ["-c", "import keras"], 0),
]


def median_seconds(args, status, repeat):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args], capture_output=True, env=env)
        times.append(time.perf_counter() - start)
        if done.returncode != status:
            raise SystemExit(f"{args}: exit status {done.returncode}, expected {status}\n{done.stderr.decode()}")
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (default: 5)")
    repeat = parser.parse_args().repeat
    print(f"median of {repeat} runs, {os.cpu_count()} CPUs")
    for label, args, status in CASES:
        print(f"{median_seconds(args, status, repeat):7.3f} s  {label}")


if __name__ == "__main__":
    main()
