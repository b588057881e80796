"""Deprecated: the noise study is `daekeras.experiments.noise`.

This module re-exports its names for code written against the old path.
"""

import warnings

from daekeras.experiments.noise import COMPONENT  # noqa: F401
from daekeras.experiments.noise import ENERGIES  # noqa: F401
from daekeras.experiments.noise import KINDS  # noqa: F401
from daekeras.experiments.noise import PROBE_C  # noqa: F401
from daekeras.experiments.noise import PROBE_MAX_ITER  # noqa: F401
from daekeras.experiments.noise import PROBE_START  # noqa: F401
from daekeras.experiments.noise import corruption_energy  # noqa: F401
from daekeras.experiments.noise import linear_probe  # noqa: F401
from daekeras.experiments.noise import localisation_summary  # noqa: F401
from daekeras.experiments.noise import matched_level  # noqa: F401
from daekeras.experiments.noise import noise_plan  # noqa: F401
from daekeras.experiments.noise import noise_run  # noqa: F401
from daekeras.experiments.noise import noise_streams  # noqa: F401
# The localisation rule of the study, now daekeras.filters's.
from daekeras.filters import LOCALISATION_RADIUS  # noqa: F401
from daekeras.filters import LOCALISED  # noqa: F401

warnings.warn(
    "daekeras.noise_study is deprecated; import from daekeras.experiments.noise instead.",
    DeprecationWarning,
    stacklevel=2,
)
