import pytest

from hark.skills.base import DeviceControl, ServiceUnavailableError, Skill, SkillContext, ToolArgumentError
from hark.skills.media import LocalDevice, MediaSkill
from hark.skills.registry import SkillRegistry


class PlayerDevice:
    """A device with a player: records commands; ``playing`` says whether there is anything to control."""

    def __init__(self, device_id: str, *, playing: bool = True, fail: Exception | None = None) -> None:
        self.device_id = device_id
        self.volume = 30
        self.playing = playing
        self.fail = fail
        self.commands: list[str] = []

    def get_volume(self) -> int:
        return self.volume

    def set_volume(self, level: int) -> None:
        self.volume = level

    async def media(self, command: str) -> bool:
        if self.fail is not None:
            raise self.fail
        self.commands.append(command)
        return self.playing


@pytest.fixture
def local() -> LocalDevice:
    return LocalDevice("local", volume=50)


@pytest.fixture
def kitchen() -> PlayerDevice:
    return PlayerDevice("kitchen")


@pytest.fixture
def registry(local: LocalDevice, kitchen: PlayerDevice) -> SkillRegistry:
    devices: dict[str, DeviceControl] = {"local": local, "kitchen": kitchen}
    return SkillRegistry([MediaSkill(devices.get)])


LOCAL = SkillContext(device_id="local")
KITCHEN = SkillContext(device_id="kitchen")


def test_protocols() -> None:
    assert isinstance(MediaSkill(lambda _: None), Skill)
    assert isinstance(LocalDevice(), DeviceControl)
    assert isinstance(PlayerDevice("x"), DeviceControl)
    assert [t.name for t in MediaSkill(lambda _: None).tools] == ["volume_set", "volume_change", "media_control"]
    for tool in MediaSkill(lambda _: None).tools:
        assert tool.parameters["additionalProperties"] is False


async def test_volume_set(registry: SkillRegistry, local: LocalDevice) -> None:
    result = await registry.call("volume_set", {"level": 70}, LOCAL)
    assert result.ok
    assert result.speech == "Volume set to 70."
    assert result.data == {"device_id": "local", "volume": 70, "previous": 50}
    assert local.get_volume() == 70


async def test_volume_set_zero_mutes(registry: SkillRegistry, local: LocalDevice) -> None:
    result = await registry.call("volume_set", {"level": 0}, LOCAL)
    assert result.speech == "Muted."
    assert local.volume == 0


async def test_volume_set_acts_on_the_asking_device(
    registry: SkillRegistry, local: LocalDevice, kitchen: PlayerDevice
) -> None:
    await registry.call("volume_set", {"level": 80}, KITCHEN)
    assert kitchen.volume == 80
    assert local.volume == 50


async def test_volume_set_out_of_range_is_refused(registry: SkillRegistry) -> None:
    with pytest.raises(ToolArgumentError):
        await registry.call("volume_set", {"level": 101}, LOCAL)
    with pytest.raises(ToolArgumentError):
        await registry.call("volume_set", {"level": -1}, LOCAL)
    with pytest.raises(ToolArgumentError):
        await registry.call("volume_set", {"level": 50, "room": "kitchen"}, LOCAL)


@pytest.mark.parametrize(
    ("start", "delta", "speech", "level"),
    [
        (50, 10, "Volume up to 60.", 60),
        (50, -20, "Volume down to 30.", 30),
        (95, 10, "Volume up to 100.", 100),
        (100, 10, "The volume is already at maximum.", 100),
        (5, -10, "Muted.", 0),
        (0, -10, "The volume is already off.", 0),
        (40, 0, "The volume stays at 40.", 40),
    ],
)
async def test_volume_change(
    registry: SkillRegistry, local: LocalDevice, start: int, delta: int, speech: str, level: int
) -> None:
    local.set_volume(start)
    result = await registry.call("volume_change", {"delta": delta}, LOCAL)
    assert result.ok
    assert result.speech == speech
    assert result.data == {"device_id": "local", "volume": level, "previous": start}
    assert local.get_volume() == level


@pytest.mark.parametrize(
    ("command", "speech"),
    [
        ("pause", "Paused."),
        ("resume", "Resuming."),
        ("stop", "Stopped."),
        ("next", "Next track."),
        ("previous", "Previous track."),
    ],
)
async def test_media_control(registry: SkillRegistry, kitchen: PlayerDevice, command: str, speech: str) -> None:
    result = await registry.call("media_control", {"command": command}, KITCHEN)
    assert result.ok
    assert result.speech == speech
    assert result.data == {"device_id": "kitchen", "command": command, "done": True}
    assert kitchen.commands == [command]


async def test_nothing_playing(registry: SkillRegistry, kitchen: PlayerDevice) -> None:
    kitchen.playing = False
    result = await registry.call("media_control", {"command": "pause"}, KITCHEN)
    assert not result.ok
    assert result.speech == "Nothing is playing."
    assert result.data["done"] is False


async def test_local_device_has_nothing_playing(registry: SkillRegistry) -> None:
    result = await registry.call("media_control", {"command": "next"}, LOCAL)
    assert not result.ok
    assert result.speech == "Nothing is playing."


async def test_unknown_media_command_is_refused(registry: SkillRegistry) -> None:
    with pytest.raises(ToolArgumentError):
        await registry.call("media_control", {"command": "shuffle"}, KITCHEN)
    with pytest.raises(ToolArgumentError):
        await MediaSkill(lambda _: LocalDevice()).call("media_control", {"command": "rewind"}, LOCAL)
    with pytest.raises(ToolArgumentError):
        await MediaSkill(lambda _: LocalDevice()).call("calculate", {}, LOCAL)


async def test_unknown_device(registry: SkillRegistry) -> None:
    result = await registry.call("volume_set", {"level": 10}, SkillContext(device_id="garage"))
    assert not result.ok
    assert result.speech == "I can't control the sound on this device."
    assert result.data == {"error": "no-device", "device_id": "garage"}


async def test_device_failures_are_spoken() -> None:
    broken = PlayerDevice("den", fail=ServiceUnavailableError("The den speaker is offline."))
    unreachable = PlayerDevice("attic", fail=ConnectionRefusedError())
    devices = {"den": broken, "attic": unreachable}
    skill = MediaSkill(devices.get)
    result = await skill.call("media_control", {"command": "pause"}, SkillContext(device_id="den"))
    assert not result.ok
    assert result.speech == "The den speaker is offline."
    assert result.data == {"error": "service-unavailable", "device_id": "den"}
    result = await skill.call("media_control", {"command": "pause"}, SkillContext(device_id="attic"))
    assert not result.ok
    assert result.speech == "I can't reach that device right now."


def test_local_device_volume_and_listener() -> None:
    seen: list[int] = []
    device = LocalDevice("local", volume=150, on_volume=seen.append)
    assert device.volume == 100
    assert device.gain == 1.0
    device.set_volume(50)
    device.set_volume(50)
    device.set_volume(-5)
    assert seen == [50, 0]
    assert device.gain == 0.0
    device.set_volume(50)
    assert device.gain == pytest.approx(0.25)


async def test_local_device_media() -> None:
    device = LocalDevice()
    assert await device.media("pause") is False
    with pytest.raises(ValueError, match="unknown media command"):
        await device.media("shuffle")
