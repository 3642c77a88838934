"""Where :class:`LetterKind` was first defined; kept so that
``from contractgen.situation import LetterKind`` keeps working. A provider's position and
the letter it calls for are decided in :mod:`contractgen.position`."""

from __future__ import annotations

from .position import ContractTerms, ContractualPosition, LetterKind, assess_position

__all__ = ["ContractTerms", "ContractualPosition", "LetterKind", "assess_position"]
