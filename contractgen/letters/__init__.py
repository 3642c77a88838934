"""Provider guidance letters: one Word letter per provider, and the check that every
date a letter states is the schedule's.
"""

from .generate import generate_letters

__all__ = ["generate_letters"]
