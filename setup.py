"""Build step that ships the stored results with the package.

The command line writes results to `results/` at the repository root, and the
chapters read them from there in a checkout. A chapter opened alone (Colab,
a downloaded notebook) has only the installed package, so the wheel carries
a copy of those files as `daekeras/_results/`, read by
`daekeras.results.stored`. Copying at build time keeps one `results/` in the
repository (no second copy to keep in step) and needs no change to the
package discovery in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESULTS = Path(__file__).resolve().parent / "results"
SHIPPED = ("*.json", "*.png", "*.npy", "*.npz")


class build_py_with_results(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "daekeras" / "_results"
        self.mkpath(str(target))
        for pattern in SHIPPED:
            for path in sorted(RESULTS.glob(pattern)):
                self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": build_py_with_results})
