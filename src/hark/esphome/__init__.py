"""ESPHome voice devices (Voice PE, Linux Voice Assistant) driven by Hark.

On the ESPHome native API the device is the server and the controller connects to it
(Home Assistant did; now Hark does, through the maintained ``aioesphomeapi`` client).
Each stored device gets one connection that reconnects with backoff
(:mod:`.controller`); a voice-assistant run on it is a turn of an ordinary Hark
device session (:mod:`.satellite`), its reply streamed over the API or hosted at a
URL the device fetches (:mod:`.audio`, :mod:`.media`); its timers ring on it and
announcements play on it (:mod:`.ringing`).
"""

from .store import EsphomeDevice, EsphomeDevices, parse_address

__all__ = ["EsphomeDevice", "EsphomeDevices", "parse_address"]
