"""The household: the composition root (storage, scheduler, skills, understanding, brains)
and the devices that belong to it."""

from .devices import Device, DeviceRegistry, PairedDevice, PairingCode, PairingError
from .home import Household
from .hub import AnnouncementHub

__all__ = ["AnnouncementHub", "Device", "DeviceRegistry", "Household", "PairedDevice", "PairingCode", "PairingError"]
