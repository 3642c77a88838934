"""What every overview file records about how it was made: the contractgen version, the
clause library release and the council profile, each with its checksum."""

from __future__ import annotations

from dataclasses import dataclass

from .. import __version__
from ..library.clauses import ClauseLibrary
from ..library.profiles import Profile


@dataclass(frozen=True)
class Provenance:
    """What every overview file records about how it was made."""

    council: str
    profile: str
    profile_sha256: str
    library: str
    release: str
    library_sha256: str
    version: str = __version__

    @classmethod
    def of(cls, library: ClauseLibrary, profile: Profile) -> Provenance:
        return cls(profile.model.council.name, profile.name, profile.digest, library.spec.name,
                   library.spec.release, library.digest)

    def sentence(self) -> str:
        return (f"Made by contractgen {self.version} from clause library {self.library} release "
                f"{self.release} and profile {self.profile}.")
