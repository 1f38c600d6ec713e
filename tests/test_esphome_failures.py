"""ESPHome devices that misbehave: audio before a run, message types nobody knows, payload
lengths that lie, garbage payloads, a device that goes away and comes back (Hark reconnects
with backoff), a run replaced or stopped by the device. Each drops at most its own
connection; the other device keeps being served meanwhile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from aioesphomeapi import api_pb2

from hark.audio import read_wav
from tests.conftest import DATA
from tests.esphome_device import E, EsphomeTestDevice, controller_of, served_devices
from tests.server_harness import wait_for


def date_request() -> np.ndarray:
    return np.concatenate([read_wav(DATA / "date_request.wav")[0], np.zeros(24000, np.int16)])


def answered(run) -> bool:  # type: ignore[no-untyped-def]
    return E.VOICE_ASSISTANT_TTS_END in run.kinds() and run.kinds()[-1] == E.VOICE_ASSISTANT_RUN_END


async def test_audio_before_a_run_and_unknown_messages_are_ignored(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("kitchen")
    async with served_devices(settings, engines, tmp_path, device) as (_, fleet):
        controller = controller_of(fleet, device)
        for _ in range(5):
            device.send(api_pb2.VoiceAssistantAudio(data=b"\x00\x01" * 512))
        device.send_raw(b"\x00\x03\xe7\x07abc")  # message type 999: nobody's
        device.send(api_pb2.VoiceAssistantAudio(data=b"\x01" * 7))  # an odd byte count, outside a run too
        await wait_for(lambda: controller.satellite.dropped_audio == 6, what="the stray audio seen")
        run = await device.run(date_request())
        assert answered(run) and not run.data(E.VOICE_ASSISTANT_TTS_START)["text"].startswith("Sorry")
        assert controller.connects == 1 and controller.disconnects == 0


async def test_a_lying_length_or_garbage_drops_that_device_only_and_it_is_reconnected(
    settings, engines, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bad, good = EsphomeTestDevice("bad"), EsphomeTestDevice("good")
    async with served_devices(settings, engines, tmp_path, bad, good) as (_, fleet):
        bad_controller = controller_of(fleet, bad)
        # a frame that says 100000 bytes follow (more than any frame may hold), then a few
        bad.send_raw(b"\x00\xa0\x8d\x06\x5a" + b"x" * 10)
        await wait_for(lambda: bad_controller.disconnects == 1, what="the lying device dropped")
        run = await good.run(date_request())  # served meanwhile
        assert answered(run)
        await wait_for(lambda: bad_controller.connects == 2, what="the device reconnected")
        # a well-framed message whose payload is not the protobuf it claims to be
        bad.send_raw(b"\x00\x04\x5a\xff\xff\xff\xff")
        await wait_for(lambda: bad_controller.disconnects == 2, what="the garbage dropped")
        await wait_for(lambda: bad_controller.connects == 3 and bad.connected, what="reconnected again")
        run = await bad.run(date_request())
        assert answered(run)
        assert controller_of(fleet, good).disconnects == 0


async def test_a_device_that_goes_away_is_reconnected_with_backoff(settings, engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    away, staying = EsphomeTestDevice("away"), EsphomeTestDevice("staying")
    async with served_devices(settings, engines, tmp_path, away, staying) as (_, fleet):
        controller = controller_of(fleet, away)
        await away.stop()
        await wait_for(lambda: not controller.connected, what="the device gone")
        await wait_for(lambda: controller.last_error is not None, what="a failed reconnect")
        assert "Connect call failed" in controller.last_error or "refused" in controller.last_error.lower()
        run = await staying.run(date_request())
        assert answered(run)
        await away.start()
        await away.wait_until(lambda: away.connected)
        assert controller.connects == 2 and away.connections == 2
        run = await away.run(date_request())
        assert answered(run)


async def test_a_new_run_replaces_the_one_under_way_and_the_device_may_stop_a_run(
    settings, engines, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    device = EsphomeTestDevice("kitchen")
    async with served_devices(settings, engines, tmp_path, device) as (_, fleet):
        controller = controller_of(fleet, device)
        first = len(device.events)
        device.send(api_pb2.VoiceAssistantRequest(start=True, wake_word_phrase="hey jarvis"))
        await device.wait_until(lambda: E.VOICE_ASSISTANT_STT_START in [k for k, _ in device.events[first:]])
        device.send(api_pb2.VoiceAssistantAudio(data=b"\x00\x00" * 512))
        run = await device.run(date_request())  # the device starts over (its wake word again)
        assert answered(run)
        # the first run ended before the second began: one run-end each, in order
        kinds = [k for k, _ in device.events[first:]]
        assert kinds.count(E.VOICE_ASSISTANT_RUN_START) == 2 == kinds.count(E.VOICE_ASSISTANT_RUN_END)
        assert kinds.index(E.VOICE_ASSISTANT_RUN_END) < kinds.index(E.VOICE_ASSISTANT_RUN_START, 1)
        # the device stops a run (its button): it ends at once, nothing is said
        first = len(device.events)
        device.send(api_pb2.VoiceAssistantRequest(start=True, wake_word_phrase="hey jarvis"))
        await device.wait_until(lambda: E.VOICE_ASSISTANT_STT_START in [k for k, _ in device.events[first:]])
        device.send(api_pb2.VoiceAssistantRequest(start=False))
        await device.wait_until(lambda: E.VOICE_ASSISTANT_RUN_END in [k for k, _ in device.events[first:]])
        kinds = [k for k, _ in device.events[first:]]
        assert E.VOICE_ASSISTANT_TTS_END not in kinds
        await wait_for(lambda: not controller.satellite.busy, what="the run over")
