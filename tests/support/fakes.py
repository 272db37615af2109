"""The names the project's tests use for the shipped kit's clock and ids.

No second implementation: these are ``orders_core.testing``'s classes, which a user's tests
get from the base install; ``SteppingClock`` only fixes a one-second tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from orders_core.testing import EPOCH, ManualClock, SequentialIds

FrozenClock = ManualClock


class SteppingClock(ManualClock):
    """Each call to now() is ``step`` later than the one before (a ManualClock's tick)."""

    def __init__(self, start: datetime = EPOCH, step: timedelta = timedelta(seconds=1)) -> None:
        super().__init__(start, tick=step)


__all__ = ["EPOCH", "FrozenClock", "SequentialIds", "SteppingClock"]
