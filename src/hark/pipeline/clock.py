"""The monotonic clock every event is stamped with (injectable for tests)."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
monotonic: Clock = time.monotonic
