"""One household's Hark: storage, scheduler, skills, understanding and brains, wired once.

:meth:`Household.open` builds everything from the settings and
:meth:`Household.close` releases it. Devices (the local loop today, remote
speakers later) attach to its :class:`AnnouncementHub` so timers ring on the
device that set them; an announcement for a device that is not connected waits
until it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..audio.chunk import Int16Array
from ..brain.base import Brain, BrainRequest
from ..brain.chain import BrainChain
from ..brain.classic import ClassicBrain
from ..brain.clock import NotYetBrain
from ..brain.confirm import Confirmations
from ..brain.generative import GenerativeBrain
from ..brain.memory import Memory, MemorySkill
from ..brain.person import Identify, Person
from ..brain.router import ChatGate
from ..brain.understand import IntentUnderstanding
from ..config import Settings
from ..esphome.store import EsphomeDevices
from ..kids import SafetyCheck, kids_persona, load_profanity_model
from ..kids.learned import load_learned_layer_or_none
from ..llm.base import LlmBackend
from ..llm.factory import build_backend, build_fallback
from ..nlu import BrainCommand, IntentRecognizer, ToolCall, first_tool_call
from ..nlu.spoken import readings
from ..scheduler import Scheduler, SystemClock
from ..skills.alarms import AlarmsSkill
from ..skills.announce import AnnounceSkill, Target
from ..skills.base import DeviceControl, ServiceUnavailableError
from ..skills.calc import CalcSkill
from ..skills.clock import ClockSkill
from ..skills.lists import ListsSkill
from ..skills.media import LocalDevice, MediaSkill
from ..skills.registry import SkillRegistry
from ..skills.reminders import RemindersSkill
from ..skills.smarthome import SmartHomeSkill, build_smarthome
from ..skills.timers import TimersSkill
from ..skills.weather import WeatherSkill
from ..store import Database, StorageError, StorageFullError
from .devices import DeviceRegistry
from .enrolment import EnrolmentBrain, EnrolmentDesk, VoiceSkill
from .gated import GatedBrain, usage_hook
from .hub import AnnouncementHub
from .journal import purge_expired
from .kidsmode import KidsChatGate, KidsGuard
from .metering import UsageMeter
from .people import People
from .plans import PlanGate
from .policy import HouseholdPolicy
from .ratelimit import RateLimiter
from .smarthomes import HouseholdSmartHomes, SmartHomeRouter
from .voiceprints import Voiceprints

log = logging.getLogger(__name__)


class Household:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        scheduler: Scheduler,
        registry: SkillRegistry,
        recognizer: IntentRecognizer,
        hub: AnnouncementHub,
        smarthome: SmartHomeSkill | None,
        memory: Memory,
        llm: LlmBackend | None = None,
        llm_fallback: LlmBackend | None = None,
        paired_devices: DeviceRegistry | None = None,
        safety: SafetyCheck | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.scheduler = scheduler
        self.registry = registry
        self.recognizer = recognizer
        self.hub = hub
        self.smarthome = smarthome
        self.memory = memory
        self.llm = llm
        self.llm_fallback = llm_fallback
        self.paired_devices = paired_devices or DeviceRegistry(db)
        """The household's paired devices (pairing codes, tokens): who may connect, and where they are."""
        self.people = People(db)
        """Households and members: who a turn runs as (:meth:`identifier`)."""
        self.voices: Voiceprints | None = Voiceprints(db)
        """Who is speaking, from the voice (the household's enrolled members)."""
        self.enrolment = EnrolmentDesk(self.voices)
        """Voices being taught by speaking ("learn my voice"), one per device."""
        self.meter = UsageMeter(db)
        """Every LLM call's tokens and cost, per household and member."""
        self.plans = PlanGate(self.meter, default_timezone=settings.brain.timezone, smart_home=smarthome is not None)
        """Whether a household's turn may use the generative brain (plan, monthly quotas)."""
        self.limiter = RateLimiter()
        """Generative requests per device and per household: one noisy device cannot starve the others."""
        self.safety = safety or SafetyCheck(None)
        """The kids' safety layer (word lists, phrase rules and the offline classifier)."""
        self.policy = HouseholdPolicy(safety=self.safety)
        """Who may run which tool (a child's, memory on the plus plan)."""
        self.smart_homes = HouseholdSmartHomes(self.people, smarthome, timeout_s=settings.home_assistant.timeout_s)
        """Each household's own smart home (the config's is the default household's)."""
        registry.policy = self.policy
        self.confirmations = Confirmations()
        self.devices: dict[str, LocalDevice] = {}
        self._generative: GenerativeBrain | None = None
        self._journal_failing = False
        self._housekeeping: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, settings: Settings) -> Household:
        """Everything the settings name. A full disk does not stop the start: requests that
        need no storage are answered, the others are told the disk is full, and the
        database (and the timers in it) comes back by itself once there is room."""
        db = Database.from_settings(settings)
        storage_ok = True
        try:
            await db.open()
        except StorageFullError as exc:
            log.warning("%s; answering without storage until there is room", exc)
            storage_ok = False
        hub = AnnouncementHub()
        zone = ZoneInfo(settings.brain.timezone) if settings.brain.timezone else None
        scheduler = Scheduler(db, hub, SystemClock(zone))
        smarthome = build_smarthome(settings)
        household: Household | None = None
        try:
            recognizer = IntentRecognizer(
                language=settings.classic.language, extra_sentences_dir=settings.classic.sentences_dir or None
            )
            registry = SkillRegistry(
                [
                    TimersSkill(db, scheduler),
                    AlarmsSkill(db, scheduler),
                    RemindersSkill(db, scheduler),
                    ListsSkill(db),
                    ClockSkill(settings.brain.timezone),
                    WeatherSkill(settings.weather),
                    CalcSkill(),
                ]
            )
            memory = Memory(db)
            registry.add(MemorySkill(memory))
            paired = DeviceRegistry(db)

            async def targets(household_id: str) -> list[Target]:
                devices = await paired.for_household(household_id).list()
                found = [Target(d.device_id, d.name or "", d.room or "") for d in devices if not d.revoked]
                esphome = await EsphomeDevices(db, household_id=household_id).list()
                return found + [Target(d.device_id, d.name, d.room or "") for d in esphome]

            registry.add(AnnounceSkill(hub, targets))
            llm, fallback, profanity, learned = await asyncio.gather(
                asyncio.to_thread(build_backend, settings.llm),
                asyncio.to_thread(build_fallback, settings.llm),
                asyncio.to_thread(load_profanity_model),
                asyncio.to_thread(load_learned_layer_or_none),
            )
            household = cls(
                settings,
                db,
                scheduler,
                registry,
                recognizer,
                hub,
                smarthome,
                memory,
                llm,
                fallback,
                paired,
                SafetyCheck(profanity, learned=learned),
            )
            registry.add(MediaSkill(household.device))
            registry.add(VoiceSkill(household.people, household.enrolment))
            if smarthome is not None or (storage_ok and await household.people.any_smart_home()):
                # every household's smart-home requests go to its own home, never another's
                registry.add(SmartHomeRouter(household.smart_homes))
            if smarthome is not None:
                # the home's device and area names help the recogniser; a hub that is down is not fatal
                with contextlib.suppress(ServiceUnavailableError):
                    await smarthome.refresh()
                recognizer.set_entities(smarthome.entity_names(), smarthome.areas())
            if storage_ok:
                try:
                    await scheduler.start()
                except StorageFullError as exc:
                    log.warning("%s; the timers will start once there is room", exc)
                    storage_ok = False
            if not storage_ok:
                db.on_open(scheduler.start)  # timers, alarms and reminders ring again once the database opens
            household._housekeeping = asyncio.create_task(household._keep_house(), name="household-housekeeping")
            generative = household.generative()
            if generative is not None:
                await generative.warm()  # load the model, prefill the fixed prompt (KV cache / prompt cache)
            return household
        except BaseException:
            if household is None:
                if smarthome is not None:
                    await smarthome.close()
                await db.close()
            else:
                await household.close()
            raise

    def reads_as_command(self, text: str) -> bool:
        """Whether the classic brain would act on ``text`` (the grammar of stt.commands)."""
        zone = ZoneInfo(self.settings.brain.timezone) if self.settings.brain.timezone else None
        now = dt.datetime.now(zone).astimezone(zone)
        return any(  # read the way the classic brain reads a transcript
            isinstance(first_tool_call(self.recognizer.candidates(reading), now), ToolCall | BrainCommand)
            for reading in readings(text)
        )

    def tune_stt(self, stt: object) -> None:
        """Give a recogniser that can use them the home's vocabulary: room and device names for
        ``stt.prompt``/``stt.hotwords = "auto"``, and the classic grammar for the closed-vocabulary
        passes (``stt.commands``, ``stt.phrases``, ``stt.grammar_decode``)."""
        if self.smarthome is not None and callable(set_vocabulary := getattr(stt, "set_vocabulary", None)):
            set_vocabulary(self.smarthome.areas(), [name for name, _area, _domain in self.smarthome.entity_names()])
        stt_settings = self.settings.stt
        if (stt_settings.commands or stt_settings.phrases or stt_settings.grammar_decode) and callable(
            set_filter := getattr(stt, "set_command_filter", None)
        ):
            set_filter(self.reads_as_command)

    def identifier(self, household_id: str, device_id: str) -> Identify:
        """Who each turn on ``device_id`` runs as: the member whose voice matched (when voices are
        enrolled and the turn has speech), else the device's default member, else the household's
        shared profile. Without storage (a full disk) the turn runs as the household's shared
        profile: what needs no storage is still answered, and the journal says the disk is full."""

        async def identify(speech: Int16Array | None) -> Person:
            member = None
            learning = await self.enrolment.hear(household_id, device_id, speech) if speech is not None else None
            if learning is not None:  # a sentence said for "learn my voice": theirs, not to be matched
                member = learning.member_id
            elif speech is not None and self.voices is not None:
                match = await self.voices.identify(household_id, speech)
                member = match.member_id if match is not None else None
            try:
                return await self.people.resolve(household_id, device_id, voice_member=member)
            except StorageError:
                return Person(household_id=household_id)

        return identify

    def device(self, device_id: str) -> DeviceControl | None:
        return self.devices.get(device_id)

    def add_device(self, device: LocalDevice) -> None:
        self.devices[device.device_id] = device

    def generative(self) -> GenerativeBrain | None:
        """The one generative brain (chat state lives in it), or None in classic-only mode."""
        if self.llm is None:
            return None
        if self._generative is None:
            llm_settings = self.settings.llm
            if llm_settings.backend == "embedded":
                # a local model has no network to time out on; its first token waits on prefill (~90 tok/s
                # on one core), so allow for it. The tiny built-in model rambles: keep its answers short.
                llm_settings = dataclasses.replace(
                    llm_settings,
                    first_token_timeout_s=max(llm_settings.first_token_timeout_s, 15.0),
                    max_tokens=min(llm_settings.max_tokens, 120)
                    if llm_settings.builtin_model
                    else llm_settings.max_tokens,
                )
            self._generative = GenerativeBrain(
                self.llm,
                self.registry if self.settings.llm.offers_tools else SkillRegistry(policy=self.policy),
                self.memory,
                settings=llm_settings,
                fallback=self.llm_fallback,
                chat=self.settings.chat,
                confirmations=self.confirmations,
                confirm_dangerous=self.settings.classic.confirm_dangerous,
                fact_skills=self.registry,  # date, time, sums, timers: from the skills, never the model's weights
                usage=usage_hook(self.meter),
                persona=kids_persona_of,
            )
        return self._generative

    def brain(self, *, area: str | None = None) -> Brain:
        """The brain chain for a device: "prefer local" (classic intents first), then the LLM.

        Without an LLM (``llm.backend = "off"``) the end of the chain is an honest "I can't help
        with that yet". The chat gate goes first so "stop" ends a chat before it means "stop ringing".
        The generative brain answers only a household whose plan and quotas allow it, within the rate
        limits and a child's quiet hours and chat allowance; kids mode screens the request and every
        word of the reply around the whole chain. One chain serves every household: who is asking
        travels with each request.
        """
        classic = ClassicBrain(
            IntentUnderstanding(self.recognizer, area=area),
            self.registry,
            stop_ringing=self.scheduler.acknowledge,
            confirm_dangerous=self.settings.classic.confirm_dangerous,
            confirmations=self.confirmations,
        )
        generative = self.generative()
        if generative is None:
            return KidsGuard(EnrolmentBrain(BrainChain([classic, NotYetBrain()]), self.enrolment), self.safety)
        chain = BrainChain(
            [
                GatedBrain(KidsChatGate(ChatGate(generative), self.db), self.plans),
                classic,
                GatedBrain(KidsChatGate(generative, self.db), self.plans, limiter=self.limiter),
            ]
        )
        return KidsGuard(EnrolmentBrain(chain, self.enrolment), self.safety)

    async def log_turn(
        self,
        *,
        who: Person,
        device_id: str,
        transcript: str,
        reply: str,
        brain: str,
        intent: str | None,
        slots: Mapping[str, Any],
    ) -> None:
        """Record the turn. The answer was given already: a storage failure here is logged
        (once until the log works again) and never fails the turn."""
        try:
            await self.db.log_turn(
                household_id=who.household_id,
                member_id=who.member_id,
                device_id=device_id,
                transcript=transcript,
                reply=reply,
                brain=brain,
                intent=intent,
                slots=slots,
            )
        except StorageError as exc:
            if not self._journal_failing:
                log.warning("the turn log is not being written: %s", exc)
            self._journal_failing = True
        else:
            if self._journal_failing:
                log.info("the turn log is written again")
            self._journal_failing = False

    async def _keep_house(self, every_s: float = 3600.0) -> None:
        """Transcripts past each household's retention are deleted, now and every hour."""
        while True:
            try:
                deleted = await purge_expired(self.db, dt.datetime.now(dt.UTC))
                if deleted:
                    log.info("deleted %d transcripts past their households' retention", deleted)
            except StorageError as exc:  # not urgent: the next hour tries again (the journal says what failed)
                log.debug("old transcripts could not be deleted: %s", exc)
            await asyncio.sleep(every_s)

    async def close(self) -> None:
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeping
        if self.voices is not None:
            self.voices.close()
        try:
            await self.scheduler.stop()
            await self.smart_homes.close()
            if self.smarthome is not None:
                await self.smarthome.close()
            for backend in (self.llm, self.llm_fallback):
                if backend is not None:
                    await backend.aclose()
        finally:
            await self.db.close()


def kids_persona_of(request: BrainRequest) -> str | None:
    """A child's persona for the generative brain (kids mode), else None."""
    who = request.who
    if not who.kids_mode:
        return None
    age = (
        who.age if who.child and who.age is not None and 2 <= who.age <= 17 else None
    )  # an adult on a kids device: unknown
    return kids_persona(age, who.name if who.child else None)
