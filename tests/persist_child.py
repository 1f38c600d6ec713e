"""Child process for tests/test_persistence.py (run with ``sys.executable``).

``set``: open the store under ``$HARK_DATA_DIR``, start a timer "tea" of
``argv[2]`` seconds and a 60 s "soup" timer, print ``READY <tea ends_at epoch>``
and sleep until killed.

``run``: open the same store, start the scheduler with an announcer that prints
``RING <text> late=<bool>`` (``late`` read back from the database), print
``STARTED``; after the first ring print ``PENDING <keys>`` and exit cleanly.
"""

from __future__ import annotations

import asyncio
import sys

from hark.config import load_settings
from hark.scheduler import Scheduler, SystemClock
from hark.skills.base import SkillContext
from hark.skills.timers import TimersSkill
from hark.store import Database, Timer


class PrintingAnnouncer:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.rang = asyncio.Event()

    async def announce(
        self, device_id: str, text: str, *, chime: bool = True, repeat_until_stopped: bool = False, key: str = ""
    ) -> None:
        async with self.db.transaction() as session:
            timer = await session.get(Timer, int(key.split(":")[1]))
        print(f"RING {text} late={timer is not None and timer.late}", flush=True)
        self.rang.set()

    async def stop(self, device_id: str, key: str = "") -> bool:
        return False


async def main(mode: str, args: list[str]) -> None:
    settings = load_settings()
    db = Database.from_settings(settings)
    await db.open()
    announcer = PrintingAnnouncer(db)
    scheduler = Scheduler(db, announcer, SystemClock(), late_after_s=float(args[0]) if mode == "run" else 2.0)
    try:
        await scheduler.start()
        if mode == "set":
            timers = TimersSkill(db, scheduler)
            tea = await timers.call("timer_start", {"duration_s": int(args[0]), "name": "tea"}, SkillContext())
            await timers.call("timer_start", {"duration_s": 60, "name": "soup"}, SkillContext())
            ends_at = tea.data["ends_at"]
            print(f"READY {ends_at}", flush=True)
            await asyncio.sleep(3600)  # killed with SIGKILL by the test
        else:
            print("STARTED", flush=True)
            await asyncio.wait_for(announcer.rang.wait(), 30)
            print("PENDING " + ",".join(sorted(scheduler.pending())), flush=True)
    finally:
        await scheduler.stop()
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
