"""The household: the composition root (storage, scheduler, skills, understanding, brains)
and the devices that belong to it."""

from .home import Household
from .hub import AnnouncementHub

__all__ = ["AnnouncementHub", "Household"]
