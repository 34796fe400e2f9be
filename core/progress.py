"""Progress reporting for long-running commands."""

import sys
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(*, total: int | None, description: str, stream=None, enabled: bool = True):
    """Yield a callable taking a step count; draws a bar on ``stream`` (stderr by default)."""
    if not enabled:
        yield lambda n: None
        return
    bar = tqdm(
        total=total,
        desc=description,
        unit=" rows",
        file=stream or sys.stderr,
        dynamic_ncols=True,
        mininterval=0.5,
    )
    try:
        yield bar.update
    finally:
        bar.close()
