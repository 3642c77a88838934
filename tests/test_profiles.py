"""Council profiles through the API: inheritance, the schema, and the checks against the
clause library, each problem named with the file, line and key where it was written.

The profiles here are the test's own (written over a copy of the example workspace), so
their line numbers are fixed; the clause library is the shipped one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import append, build_file_tree, edit

from contractgen.base.errors import InputError, ProfileError, UsageError
from contractgen.library.clauses import load_library
from contractgen.library.profile_model import release_satisfies
from contractgen.library.profiles import check_profile, deep_merge, load_profile

COUNCIL = "profiles/council.yaml"
REGION = "profiles/regions/north-west.yaml"

REGION_YAML = """\
# Regional defaults.
contacts:
  lso:
    name: Northshire Care Association
    email: dspt-support@northshire.example.org
tier: core
library:
  release: ">=2026.1"
letters:
  response_working_days: 20
"""

COUNCIL_YAML = """\
# A council that takes the regional defaults.
extends: regions/north-west
council:
  name: Example Borough Council
  short_name: EBC
  address:
    - Town Hall
    - 1 Market Street
contract:
  title: Care and Support at Home
  reference: EBC/ASC/2026/014
  schedule_number: 12
  start_date: 2026-04-01
contacts:
  commissioning:
    name: Commissioning Team
    email: asc@example-borough.example.gov.uk
    phone: 01632 960 100
tier: core
signatory:
  name: Priya Shah
  title: Head of Commissioning
"""


@pytest.fixture
def ws(workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example workspace (a copy) with this test's profiles, as the current folder."""
    build_file_tree(workspace_dir, {COUNCIL: COUNCIL_YAML, REGION: REGION_YAML})
    monkeypatch.chdir(workspace_dir)
    return workspace_dir


def load(name: str = "council"):
    return load_profile(name, Path("profiles"))


def library():
    return load_library(Path("clause_library"))


def checked(name: str = "council", **options) -> list[str]:
    return [str(p) for p in check_profile(load(name), library(), **options)]


def refused(name: str = "council") -> list[str]:
    with pytest.raises(InputError) as caught:
        load(name)
    return [str(p) for p in caught.value.problems]


# ------------------------------------------------------------------- what loads


def test_a_profile_takes_its_base_and_overrides_it(ws):
    profile = load()
    m = profile.model
    assert profile.name == "council"
    assert profile.files == [COUNCIL, REGION]
    assert m.council.name == "Example Borough Council"
    assert m.council.address == ["Town Hall", "1 Market Street"]
    assert m.contacts.lso.name == "Northshire Care Association"  # from the region
    assert m.contacts.commissioning.phone == "01632 960 100"  # its own
    assert m.library.release == ">=2026.1"
    assert m.contract.schedule_number == "12"  # a number in YAML, text in the document
    assert m.extends == "regions/north-west"
    assert check_profile(profile, library()) == []


@pytest.mark.parametrize("name", ["example-borough", "riverside-and-vale"])
def test_the_shipped_profiles_are_valid(ws, name):
    assert checked(name) == []


def test_a_profile_can_be_named_by_path(ws):
    assert load_profile(Path(COUNCIL), Path("profiles")).name == "council"


def test_what_the_profile_sets_wins_over_the_base(ws):
    edit(ws / REGION, "tier: core", "tier: foundation")
    assert load().model.tier == "core"
    edit(ws / COUNCIL, "tier: core\n", "")
    assert load().model.tier == "foundation"


def test_problems_in_a_base_are_located_in_the_base(ws):
    edit(ws / REGION, "  response_working_days: 20", "  response_working_days: many")
    assert refused() == [
        "profiles/regions/north-west.yaml:10:3: letters.response_working_days: must be a whole number such as 10 (got 'many')"
    ]


def test_the_digest_is_stable_and_follows_the_merged_content(ws):
    first = load().digest
    assert load().digest == first and len(first) == 64
    edit(ws / REGION, "  response_working_days: 20", "  response_working_days: 25")
    assert load().digest != first  # a change in the base changes what the document records


def test_deep_merge_merges_mappings_and_replaces_everything_else():
    base = {"contacts": {"lso": {"name": "A", "email": "a@x"}}, "address": ["1", "2"], "tier": "core"}
    mine = {"contacts": {"lso": {"name": "B"}}, "address": ["3"]}
    assert deep_merge(base, mine) == {"contacts": {"lso": {"name": "B", "email": "a@x"}}, "address": ["3"], "tier": "core"}
    assert base["contacts"]["lso"]["name"] == "A"  # inputs untouched


@pytest.mark.parametrize(
    "release, pin, ok",
    [
        ("2026.1", "2026.1", True),
        ("2026.1", "==2026.1", True),
        ("2026.1", "2026.2", False),
        ("2026.1", ">=2026.1", True),
        ("2026.1", ">2026.1", False),
        ("2026.1", "2026.*", True),
        ("2027.1", "2026.*", False),
        ("2026.10", "2026.*", True),
        ("2026.1", ">=2026.1,<2027", True),
        ("2027.1", ">=2026.1,<2027", False),
        ("2026.1", "2026.1.0", True),
        ("2026.1", "latest", False),
    ],
)
def test_release_pins(release, pin, ok):
    assert release_satisfies(release, pin) is ok


# ------------------------------------------------------------------- schema problems

CONTROL = "which a Word document cannot hold; delete it (it is often pasted invisibly from another program)"


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        pytest.param(
            COUNCIL, "  short_name: EBC", "  shortname: EBC",
            ["profiles/council.yaml:5:3: council.shortname: unknown key 'shortname' (did you mean 'short_name'?)"],
            id="unknown-key-did-you-mean",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: core\nfavourite_colour: blue",
            ["profiles/council.yaml:20:1: favourite_colour: unknown key 'favourite_colour'; allowed keys: clauses, "
             "contacts, contract, council, extends, letters, library, parameters, signatory, templates, tier"],
            id="unknown-key-lists-the-allowed-ones",
        ),
        pytest.param(
            COUNCIL, "  start_date: 2026-04-01", "  start_date: 1 April 2026",
            ["profiles/council.yaml:13:3: contract.start_date: must be a date written as YYYY-MM-DD, such as "
             "2026-06-30 (got '1 April 2026')"],
            id="wrong-type-date",
        ),
        pytest.param(
            COUNCIL, "  reference: EBC/ASC/2026/014", "  reference: 2026",
            ["profiles/council.yaml:11:3: contract.reference: must be text (got 2026); put it in quotes to keep it as text"],
            id="wrong-type-text",
        ),
        pytest.param(
            COUNCIL, "  name: Priya Shah", "  name: [Priya, Shah]",
            ["profiles/council.yaml:21:3: signatory.name: must be text (got a list)"],
            id="wrong-type-list-for-text",
        ),
        pytest.param(
            COUNCIL, "  address:\n    - Town Hall\n    - 1 Market Street", "  address: Town Hall, 1 Market Street",
            ["profiles/council.yaml:6:3: council.address: must be a list (one `- item` per line, or [a, b]) "
             "(got 'Town Hall, 1 Market Street')"],
            id="wrong-type-text-for-list",
        ),
        pytest.param(
            COUNCIL, "signatory:\n  name: Priya Shah\n  title: Head of Commissioning", "signatory: Priya Shah",
            ["profiles/council.yaml:20:1: signatory: must be a mapping of keys (`key: value` on indented lines) "
             "(got 'Priya Shah')"],
            id="wrong-type-text-for-mapping",
        ),
        pytest.param(
            COUNCIL, "  reference: EBC/ASC/2026/014\n", "",
            ["profiles/council.yaml:9:1: contract.reference: required key is missing; add it"],
            id="missing-required-key",
        ),
        pytest.param(
            COUNCIL, "  title: Care and Support at Home", '  title: "Care and\\a Support at Home"',
            [f"profiles/council.yaml:10:3: contract.title: contains the control character U+0007, {CONTROL}"],
            id="control-character-in-a-field",
        ),
        pytest.param(
            COUNCIL, "    - 1 Market Street", '    - "1 Market\\x0c Street"',
            [f"profiles/council.yaml:8:7: council.address[1]: contains the control character U+000C, {CONTROL}"],
            id="control-character-in-a-list-item",
        ),
        pytest.param(
            REGION, "    name: Northshire Care Association", '    name: "Northshire\\e Care Association"',
            [f"profiles/regions/north-west.yaml:4:5: contacts.lso.name: contains the control character U+001B, {CONTROL}"],
            id="control-character-in-the-base",
        ),
        pytest.param(
            COUNCIL, "tier: core", 'tier: core\nparameters:\n  dspt_check_frequency: "monthly\\0"',
            [f"profiles/council.yaml:21:3: parameters.dspt_check_frequency: contains the control character U+0000, {CONTROL}"],
            id="control-character-in-a-parameter",
        ),
        pytest.param(
            REGION, 'release: ">=2026.1"', 'release: "latest"',
            ["profiles/regions/north-west.yaml:8:3: library.release: 'latest' is not a release pin: write a release "
             'such as "2026.1", or ">=2026.1", "2026.*" or ">=2026.1,<2027"'],
            id="bad-release-pin",
        ),
        pytest.param(
            REGION, 'release: ">=2026.1"', "release: 2026.1",
            ['profiles/regions/north-west.yaml:8:3: library.release: write the pin in quotes, such as "2026.1", so '
             "that YAML keeps it as text"],
            id="release-pin-not-quoted",
        ),
        pytest.param(
            COUNCIL, "  name: Example Borough Council", '  name: "Example Borough Council',
            ["profiles/council.yaml:23:1: YAML syntax error: while scanning a quoted scalar (which starts on line 4), "
             "found unexpected end of stream; check the indentation and quoting here"],
            id="yaml-syntax-error",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: core\ntier: advanced",
            ["profiles/council.yaml:20:1: tier: duplicate key 'tier' (first defined on line 19); remove one of them"],
            id="duplicate-key",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: !!python/object/apply:os.system [echo]",
            ["profiles/council.yaml:19:7: tier: the YAML tag !!python/object/apply:os.system is not allowed: "
             "contractgen reads plain data (text, numbers, dates, true/false, lists and mappings) only; remove the tag"],
            id="python-tag",
        ),
    ],
)
def test_schema_problems_name_the_file_line_and_key(ws, file, old, new, expected):
    edit(ws / file, old, new)
    assert refused() == expected


def test_every_schema_problem_of_a_profile_at_once(ws):
    edit(ws / COUNCIL, "  short_name: EBC", "  shortname: EBC")
    edit(ws / COUNCIL, "  start_date: 2026-04-01", "  start_date: soon")
    edit(ws / REGION, "  response_working_days: 20", "  response_working_days: 0")
    with pytest.raises(ProfileError) as caught:
        load()
    assert caught.value.message == "3 problems in profile council"
    assert [str(p) for p in caught.value.problems] == [
        "profiles/council.yaml:5:3: council.shortname: unknown key 'shortname' (did you mean 'short_name'?)",
        "profiles/council.yaml:13:3: contract.start_date: must be a date written as YYYY-MM-DD, such as 2026-06-30 (got 'soon')",
        "profiles/regions/north-west.yaml:10:3: letters.response_working_days: input should be greater than or equal to 1",
    ]


def test_a_profile_must_be_a_mapping(ws):
    (ws / COUNCIL).write_text("- just\n- a list\n")
    assert refused() == ["profiles/council.yaml:1:1: a profile must be a mapping of keys (council, contract, ...)"]


# ------------------------------------------------------------------- inheritance problems


def test_an_extends_cycle_is_refused(ws):
    append(ws / REGION, "extends: council\n")
    with pytest.raises(ProfileError) as caught:
        load()
    chain = "profiles/council.yaml -> profiles/regions/north-west.yaml -> profiles/council.yaml"
    assert str(caught.value).splitlines() == [
        f"profiles/regions/north-west.yaml:11:1: extends: circular extends: {chain}; remove one `extends`",
        f"error: profiles extend each other in a circle: {chain}",
    ]


def test_a_profile_extending_itself_is_a_cycle(ws):
    edit(ws / COUNCIL, "extends: regions/north-west", "extends: council")
    assert refused() == [
        "profiles/council.yaml:2:1: extends: circular extends: profiles/council.yaml -> profiles/council.yaml; "
        "remove one `extends`"
    ]


def test_extends_to_a_missing_base(ws):
    edit(ws / COUNCIL, "extends: regions/north-west", "extends: regions/north-wset")
    assert refused() == [
        "profiles/council.yaml:2:1: extends: no base profile 'regions/north-wset': looked for profiles/regions/north-wset.yaml"
    ]


def test_extends_must_name_a_profile(ws):
    edit(ws / COUNCIL, "extends: regions/north-west", "extends: [regions/north-west]")
    assert refused() == ["profiles/council.yaml:2:1: extends: must be the name of a base profile, such as regions/north-west"]


def test_an_unknown_profile_name_is_a_usage_error(ws):
    with pytest.raises(UsageError) as caught:
        load("counsil")
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        "no profile 'counsil' (did you mean 'council'?); profiles in profiles: council, example-borough, riverside-and-vale"
    )


# ------------------------------------------------------------------- against the library


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        pytest.param(
            COUNCIL, "tier: core", "tier: gold",
            ["profiles/council.yaml:19:1: tier: unknown tier 'gold'; tiers: foundation, core, advanced"],
            id="unknown-tier",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: Core",
            ["profiles/council.yaml:19:1: tier: unknown tier 'Core' (did you mean 'core'?); tiers: foundation, core, advanced"],
            id="unknown-tier-by-case",
        ),
        pytest.param(
            REGION, "tier: core", "tier: advnaced",
            [],  # the council's own tier wins: the base's typo does not matter
            id="overridden-tier-in-base",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: core\nclauses:\n  include: [dspt.secure-emial]\n  exclude: [dspt.nosuch]",
            ["profiles/council.yaml:21:13: clauses.include[0]: unknown clause id 'dspt.secure-emial' (did you mean "
             "'dspt.secure-email'?); `contractgen clauses list` shows them",
             "profiles/council.yaml:22:13: clauses.exclude[0]: unknown clause id 'dspt.nosuch' (did you mean "
             "'dspt.support'?); `contractgen clauses list` shows them"],
            id="unknown-clause-ids",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: core\nclauses:\n  include: [dspt.entry-level]",
            ["profiles/council.yaml:21:13: clauses.include[0]: clause 'dspt.entry-level' is withdrawn (version 2.0.0); "
             "remove it from clauses.include"],
            id="withdrawn-clause-included",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: core\nclauses:\n  include:\n    - dspt.secure-email",
            ["profiles/council.yaml:22:7: clauses.include[0]: clause 'dspt.secure-email' is a draft; approve it in "
             "the library, or render with --include-drafts"],
            id="draft-included",
        ),
        pytest.param(
            REGION, 'release: ">=2026.1"', 'release: "2027.1"',
            ["profiles/regions/north-west.yaml:8:3: library.release: pins release '2027.1' but the clause library is "
             "release 2026.6; change the pin or render from that release"],
            id="unsatisfiable-release-pin",
        ),
        pytest.param(
            COUNCIL, "tier: core", "tier: core\nclauses:\n  exclude: [dspt.core-tier, dspt.remedial-plan]",
            ["profiles/council.yaml:21:13: clauses.exclude[0]: cannot leave out dspt.core-tier: dspt.tier (core tier) "
             "refers to it; stop excluding dspt.core-tier, or exclude dspt.tier as well",
             "profiles/council.yaml:21:29: clauses.exclude[1]: cannot leave out dspt.remedial-plan: dspt.definitions, "
             "dspt.foundation-tier (foundation tier), dspt.change-of-status and dspt.advanced-tier (advanced tier) "
             "refer to it; stop excluding "
             "dspt.remedial-plan, or exclude those clauses as well"],
            id="excluded-clause-still-referred-to",
        ),
        pytest.param(
            COUNCIL, "    - 1 Market Street", "    - 1 Market Street\n  logo: logos/crest.gif",
            ["profiles/council.yaml:9:3: council.logo: logo file 'logos/crest.gif' not found (looked at "
             "profiles/logos/crest.gif)"],
            id="missing-logo",
        ),
    ],
)
def test_problems_against_the_library(ws, file, old, new, expected):
    edit(ws / file, old, new)
    assert checked() == expected


def test_parameters_are_typed(ws):
    lib = library()
    evidence = lib.parameters()["evidence_working_days"].description
    frequency = lib.parameters()["dspt_check_frequency"]
    append(ws / COUNCIL, "parameters:\n  evidence_working_days: ten\n  evidence_days: 5\n  dspt_check_frequency: weekly\n")
    assert checked() == [
        f"profiles/council.yaml:24:3: parameters.evidence_working_days: must be a whole number such as 10 (got 'ten') "
        f"({evidence})",
        "profiles/council.yaml:25:3: parameters.evidence_days: unknown parameter 'evidence_days' (did you mean "
        "'evidence_working_days'?); no clause declares it",
        f"profiles/council.yaml:26:3: parameters.dspt_check_frequency: must be one of {', '.join(frequency.choices)} "
        f"(got 'weekly') ({frequency.description})",
    ]


def test_well_typed_parameters_are_accepted(ws):
    append(ws / COUNCIL, "parameters:\n  evidence_working_days: 15\n  dspt_check_frequency: monthly\n")
    assert checked() == []


def test_a_draft_may_be_included_with_include_drafts(ws):
    edit(ws / COUNCIL, "tier: core", "tier: core\nclauses:\n  include: [dspt.secure-email]")
    assert checked(include_drafts=True) == []


def test_a_missing_required_parameter_names_the_clause(ws):
    edit(ws / "clause_library/clauses/dspt.incident-reporting.yaml", "    default: 24\n", "")
    needed = library().parameters()["incident_notice_hours"]
    assert checked() == [
        "profiles/council.yaml:2:1: parameters: missing parameter 'incident_notice_hours' (integer) needed by clause "
        f"dspt.incident-reporting: {needed.description}"
    ]
    append(ws / COUNCIL, "parameters:\n  incident_notice_hours: 48\n")
    assert checked() == []


def test_a_required_parameter_of_an_excluded_clause_is_not_needed(ws):
    edit(ws / "clause_library/clauses/dspt.incident-reporting.yaml", "    default: 24\n", "")
    append(ws / COUNCIL, "clauses:\n  exclude: [dspt.incident-reporting]\n")
    definitions = ws / "clause_library/clauses/dspt.definitions.yaml"
    if 'ref("dspt.incident-reporting#breach-log")' in definitions.read_text():  # issue 19: the paragraph's anchor
        edit(definitions, '{{ ref("dspt.incident-reporting#breach-log") }}', "the incident paragraph")
    assert checked() == []
