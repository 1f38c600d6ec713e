"""Smart home: lights, switches, fans, covers, climate, scenes, locks and alarm panels.

One skill over two back ends: Home Assistant (REST for states and services,
WebSocket for the area/device/entity registries) and MQTT devices listed in a
TOML file. Both are merged into one :class:`~hark.homeauto.entities.Home`, so a
name or an area ("kitchen lights") reaches devices on either; see that module
for how names resolve.

* :mod:`.tools`: the tools, their schemas and the domains each may reach.
* :mod:`.plan`: what a tool does to each target, planned in full before anything
  is sent, and which requests need confirmation.
* :mod:`.skill`: :class:`SmartHomeSkill` (the cached registry, resolving names,
  sending, reading states) and :func:`build_smarthome`.
"""

from __future__ import annotations

from .skill import SmartHomeSkill, build_smarthome
from .tools import TOOLS

__all__ = ["TOOLS", "SmartHomeSkill", "build_smarthome"]
