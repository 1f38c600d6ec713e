"""Home automation back ends for the smart-home skill.

* :mod:`.entities` - the device model (one :class:`~.entities.Entity` per thing
  that can be controlled, whatever its back end) and spoken-name resolution.
* :mod:`.homeassistant` - Home Assistant's REST and WebSocket APIs.
* :mod:`.mqtt` - devices described in a TOML file and driven over MQTT.

Nothing here speaks: errors are :class:`hark.skills.base.SkillError` subclasses
whose message is fit to be spoken, and the skill builds the replies.
"""

from .entities import Entity, Home, Resolution
from .homeassistant import HomeAssistantAuthError, HomeAssistantClient
from .mqtt import MqttDevice, MqttDevices, load_mqtt_devices

__all__ = [
    "Entity",
    "Home",
    "HomeAssistantAuthError",
    "HomeAssistantClient",
    "MqttDevice",
    "MqttDevices",
    "Resolution",
    "load_mqtt_devices",
]
