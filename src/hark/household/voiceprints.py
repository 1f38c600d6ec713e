"""The household's enrolled voices (table ``voice_profiles``) and the per-turn match.

A member enrols with a few recordings of their voice (the admin page, ``hark member enrol``);
each adds its speaker embedding to their profile. On every spoken turn the session asks
:meth:`Voiceprints.identify` (while the transcript is decoded, so it costs the reply nothing):
the turn's speech is embedded and matched against the household's profiles only; below the
threshold, or too close between two members, nobody is chosen and the device's default member
answers. The speaker encoder loads on first need (a household with no enrolled voice never
loads it) and runs on its own single thread; profiles are cached per household and dropped when
one changes. Recordings are never kept: only the embedding (256 numbers) is stored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

import numpy as np
from sqlalchemy import select

from ..audio.chunk import SAMPLE_RATE, Int16Array
from ..audio.convert import resample
from ..audio.wav import parse_wav
from ..errors import HarkError
from ..store import Database
from ..store.models import MemberRow, VoiceProfileRow
from ..voices import Matcher, SpeakerEncoder, VoiceAudioError, VoiceModelError, VoiceProfile, add_utterances, enrol

log = logging.getLogger(__name__)

MAX_ENROL_S = 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class VoiceMatch:
    member_id: str
    score: float
    """Cosine similarity with the member's enrolled voice."""


@dataclasses.dataclass(frozen=True, slots=True)
class Enrolled:
    member_id: str
    utterances: int
    seconds: float


class Voiceprints:
    """:param load: the speaker encoder's loader (called once, on a worker thread, on first need)."""

    def __init__(
        self,
        db: Database,
        *,
        matcher: Matcher | None = None,
        load: Callable[[], SpeakerEncoder] = SpeakerEncoder.load,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.db = db
        self.matcher = matcher or Matcher()
        self._load = load
        self.clock = clock
        self._encoder: SpeakerEncoder | None = None
        self._unavailable: VoiceModelError | None = None
        """The encoder could not load: every turn runs as the device's member (said once in the log)."""
        self._loading = asyncio.Lock()
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="hark-voices")
        self._profiles: dict[str, dict[str, VoiceProfile]] = {}

    async def _embed(self, samples: Int16Array) -> np.ndarray:
        loop = asyncio.get_running_loop()
        async with self._loading:
            if self._unavailable is not None:
                raise self._unavailable
            if self._encoder is None:
                try:
                    self._encoder = await loop.run_in_executor(self._executor, self._load)
                except VoiceModelError as exc:
                    log.warning("voice recognition is off: %s", exc.message)
                    self._unavailable = exc
                    raise
        encoder = self._encoder
        return await loop.run_in_executor(self._executor, encoder.embed, samples)

    async def profiles(self, household_id: str) -> dict[str, VoiceProfile]:
        cached = self._profiles.get(household_id)
        if cached is not None:
            return cached
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(select(VoiceProfileRow).where(VoiceProfileRow.household_id == household_id))
            ).all()
            loaded = {
                r.member_id: VoiceProfile.from_bytes(r.embedding, utterances=r.utterances, seconds=r.seconds)
                for r in rows
            }
        self._profiles[household_id] = loaded
        return loaded

    async def identify(self, household_id: str, speech: Int16Array) -> VoiceMatch | None:
        """The member of ``household_id`` speaking in ``speech``; None when unsure (or none enrolled)."""
        enrolled = await self.profiles(household_id)
        if not enrolled:
            return None
        try:
            embedding = await self._embed(speech)
        except (VoiceAudioError, VoiceModelError):  # too short, silence, no model: the device's default answers
            return None
        match = self.matcher.identify(embedding, enrolled)
        if match.member_id is None:
            log.debug("voice not recognised (%s, best %.3f)", match.reason, match.score)
            return None
        return VoiceMatch(match.member_id, match.score)

    async def enrol_wav(self, household_id: str, member_id: str, wav: bytes) -> Enrolled:
        """Add one recording (a WAV file's bytes) to the member's voice."""
        samples, rate = parse_wav(wav, "the recording")
        if len(samples) / rate > MAX_ENROL_S:
            raise VoiceAudioError(f"a recording is at most {MAX_ENROL_S:.0f} seconds")
        if rate != SAMPLE_RATE:
            pcm = resample(samples.astype(np.float32) / 32768.0, rate, SAMPLE_RATE)
            samples = np.clip(pcm * 32768.0, -32768, 32767).astype(np.int16)
        return await self.enrol(household_id, member_id, [samples])

    async def enrol(self, household_id: str, member_id: str, recordings: list[Int16Array]) -> Enrolled:
        """Add ``recordings`` (16 kHz) of the member to their voice profile (created on the first)."""
        async with self.db.transaction() as session:
            member = await session.get(MemberRow, member_id)
            if member is None or member.household_id != household_id:
                raise VoiceEnrolError(f"no member {member_id!r} in this household")
        embeddings = [await self._embed(r) for r in recordings]
        seconds = sum(len(r) for r in recordings) / SAMPLE_RATE
        async with self.db.transaction() as session:
            row = await session.get(VoiceProfileRow, member_id)
            if row is not None and row.household_id == household_id:
                old = VoiceProfile.from_bytes(row.embedding, utterances=row.utterances, seconds=row.seconds)
                profile = add_utterances(old, embeddings, seconds=seconds)
            else:
                profile = enrol(embeddings, seconds=seconds)
                row = VoiceProfileRow(member_id=member_id, household_id=household_id)
                session.add(row)
            row.embedding = profile.to_bytes()
            row.utterances = profile.utterances
            row.seconds = profile.seconds
            row.updated_at = self.clock()
        self._profiles.pop(household_id, None)
        return Enrolled(member_id, profile.utterances, round(profile.seconds, 2))

    def forget(self, household_id: str, member_id: str) -> None:
        """A member's profile changed or went: read the household's profiles again."""
        self._profiles.pop(household_id, None)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class VoiceEnrolError(HarkError):
    code = "voice-enrol"


__all__ = ["Enrolled", "VoiceEnrolError", "VoiceMatch", "VoiceModelError", "Voiceprints"]
