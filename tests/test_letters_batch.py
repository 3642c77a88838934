"""A batch's letters are decided once and never all held (contractgen.letters.batch):
each letter is made again, the same, when it is written or read; positions without a
case are worked out once per kind of record and certificate and copied with the record."""

from __future__ import annotations

import datetime as dt
import gc
from dataclasses import replace

import pytest

from contractgen.dspt import position as position_module
from contractgen.dspt.case import CE_PLUS, CaseEvent, Certificate, EventKind, case_state
from contractgen.dspt.export import DsptExport
from contractgen.dspt.followup import assess_case_position
from contractgen.dspt.position import ContractTerms, ContractualPosition, LetterKind
from contractgen.dspt.register import Provider
from contractgen.dspt.status import DsptRecord, DsptStatus
from contractgen.letters.batch import Batch, LetterJob, PositionFinder, choose_letters
from contractgen.letters.filenames import letter_file_names

D = dt.date
NOV = D(2026, 11, 26)
TERMS = {
    "core": ContractTerms(tier="core", minimum=DsptStatus.STANDARDS_MET),
    "advanced": ContractTerms(tier="advanced", minimum=DsptStatus.STANDARDS_EXCEEDED),
}
STATUSES = ["25/26 Standards Met", "25/26 Standards Exceeded", "25/26 Standards Not Met", "24/25 Standards Met"]


def provider(i: int, *, name: str | None = None, tier: str = "core", ce_plus: dt.date | None = None) -> Provider:
    return Provider(name=name or f"Care Home {i}", ods_code=f"VM{i:03d}", contact_name="", email="", address="",
                    cqc_registered=None, tier=tier, row=i + 2, cyber_essentials_plus_expiry=ce_plus)


def export_of(providers: list[Provider]) -> DsptExport:
    return DsptExport("dspt-export.csv", [DsptRecord.from_raw(p.ods_code, p.name.upper(), STATUSES[i % 4], D(2026, 3, 10))
                                          for i, p in enumerate(providers)])


def fresh(p: Provider, export: DsptExport, certificate: Certificate | None) -> ContractualPosition:
    position_module._POSITIONS.clear()  # worked out from nothing
    return assess_case_position(export.by_code(p.ods_code), TERMS[p.tier], NOV, certificate=certificate)


def test_positions_of_one_kind_of_record_with_different_certificates_stay_apart() -> None:
    expired, current = D(2026, 11, 1), D(2027, 6, 1)
    providers = [provider(i, tier="advanced", ce_plus=[None, expired, current][i % 3]) for i in range(12)]
    export = export_of(providers)
    positions = PositionFinder(export, TERMS, NOV)
    made = [positions.of(p) for p in providers]  # through the cache, in one go
    for p, position in zip(providers, made):
        certificate = Certificate(CE_PLUS, p.cyber_essentials_plus_expiry, source="register") if p.cyber_essentials_plus_expiry else None
        assert position == fresh(p, export, certificate)
        assert position.record is export.by_code(p.ods_code)  # each its own record
    exceeded = [m for p, m in zip(providers, made) if m.record is not None and m.record.status is DsptStatus.STANDARDS_EXCEEDED]
    # by hand, providers 1, 5 and 9: expired 1 November: a Shortfall from the 2nd; current: confirmed; none: asked for
    assert [m.kind for m in exceeded] == [LetterKind.CERTIFICATE, LetterKind.CONFIRM, LetterKind.CERTIFICATE]
    assert [(m.shortfall_since, m.certificate_unrecorded) for m in exceeded] == [(D(2026, 11, 2), False), (None, False), (None, True)]


def test_a_batch_makes_each_letter_again_the_same() -> None:
    providers = [provider(i) for i in range(10)] + [replace(provider(10, name="Care Home 1"), ods_code="VM001")]
    export = export_of(providers)
    choice = choose_letters(providers, PositionFinder(export, TERMS, NOV), set())
    batch = choice.batch
    assert len(batch) == 11 and batch.renamed == {10: "VM001-care-home-1-2.docx"}  # the same code and name: a counter
    assert [job.file for job in batch] == letter_file_names(providers) == list(batch.files())
    assert batch[-1] == batch[10] == LetterJob(providers[10], batch.positions.of(providers[10]), "VM001-care-home-1-2.docx")
    assert batch[9:] == [batch[9], batch[10]]
    assert batch.file(-1) == "VM001-care-home-1-2.docx" and batch[-11] == batch[0]
    for past in (11, -12):  # as a list: no letter past either end
        with pytest.raises(IndexError):
            batch[past]
        with pytest.raises(IndexError):
            batch.file(past)
    # the kinds counted as decided, by hand (statuses by row, four in turn; VM001 is in the export twice, rows 1 and
    # 10, and the later row is kept): 25/26 Met or Exceeded: confirm (0, 4, 5, 8, 9); 25/26 Not Met: remedy (1, 2, 6,
    # 10); 24/25 Met, which counted until 30 June 2026: lapsed (3, 7)
    assert batch.kinds == {LetterKind.CONFIRM: 5, LetterKind.REMEDY: 4, LetterKind.LAPSED: 2}
    assert batch.first_of_each == {("core", LetterKind.CONFIRM): 0, ("core", LetterKind.REMEDY): 1, ("core", LetterKind.LAPSED): 3}
    left = batch.without({0, 3})
    assert [job.file for job in left] == [job.file for i, job in enumerate(batch) if i not in (0, 3)]
    assert left.renamed == {8: "VM001-care-home-1-2.docx"}


def test_a_kind_not_wanted_and_a_provider_held_get_no_letter() -> None:
    providers = [provider(i) for i in range(8)]
    export = export_of(providers[:7])
    choice = choose_letters(providers, PositionFinder(export, TERMS, NOV), {"remedy"})
    assert [job.provider.ods_code for job in choice.batch] == ["VM002", "VM006"]  # Standards Not Met: 25/26 rows 2 and 6
    assert [job.position.kind for job in choice.batch] == [LetterKind.REMEDY, LetterKind.REMEDY]
    assert choice.held == [] and choice.unmatched == []  # VM007 is not in the export, but a start letter was not wanted


def test_deciding_a_batch_holds_no_letter_or_position_per_provider() -> None:
    providers = [provider(i) for i in range(600)]
    export = export_of(providers)
    gc.collect()
    before = sum(isinstance(o, (LetterJob, ContractualPosition)) for o in gc.get_objects())
    choice = choose_letters(providers, PositionFinder(export, TERMS, NOV), set())
    gc.collect()
    after = sum(isinstance(o, (LetterJob, ContractualPosition)) for o in gc.get_objects())
    assert len(choice.batch) == 600
    assert after - before <= 16  # one per kind of record in the cache, not 600
    assert isinstance(choice.batch, Batch) and len(choice.batch.chosen) == 600 and not choice.batch.renamed


def test_providers_of_one_kind_of_record_with_different_cases_keep_their_own_dates() -> None:
    # all three 25/26 Standards Not Met, published 10 March 2026; notices served on 26 November and 1 December, and none
    export = export_of([provider(i) for i in range(12)])
    first = {"letter_kind": "remedy", "remedial_plan_due": "2026-12-24", "standard_by": "2027-03-24", "response_by": "2026-12-24"}
    later = {"letter_kind": "remedy", "remedial_plan_due": "2026-12-31", "standard_by": "2027-03-31", "response_by": "2026-12-31"}
    cases = {"VM002": case_state("VM002", [CaseEvent("VM002", EventKind.NOTICE, D(2026, 11, 26), first, id=1)]),
             "VM006": case_state("VM006", [CaseEvent("VM006", EventKind.NOTICE, D(2026, 12, 1), later, id=2)])}
    on = D(2026, 12, 29)
    positions = PositionFinder(export, TERMS, on, cases)
    providers = [provider(2), provider(6), provider(10)]
    for order in (providers, providers[::-1]):  # whichever is worked out first
        position_module._POSITIONS.clear()
        by_code = {p.ods_code: positions.of(p) for p in order}
        late, reminded, new = by_code["VM002"], by_code["VM006"], by_code["VM010"]
        # the notice of 26 November asked for the plan by 24 December: on 29 December it is overdue, with its dates
        assert (late.kind, late.notice_date, late.remedial_plan_due, late.standard_by) == (
            LetterKind.OVERDUE, D(2026, 11, 26), D(2026, 12, 24), D(2027, 3, 24))
        # the notice of 1 December asked for it by 31 December: not yet due, a reminder of that notice and its dates
        assert (reminded.kind, reminded.reminder, reminded.notice_date, reminded.remedial_plan_due, reminded.standard_by) == (
            LetterKind.REMEDY, True, D(2026, 12, 1), D(2026, 12, 31), D(2027, 3, 31))
        # no notice yet: this letter is the notice; 29 December 2026 + 20 Working Days (30 and 31 December, then 18
        # from 4 January: 1 January is a bank holiday) = 27 January 2027; + 3 months = 27 April 2027
        assert (new.kind, new.reminder, new.notice_date, new.remedial_plan_due, new.standard_by) == (
            LetterKind.REMEDY, False, on, D(2027, 1, 27), D(2027, 4, 27))


def test_a_certificate_is_told_apart_only_where_the_tier_reads_it() -> None:
    # Core providers whose register records Cyber Essentials Plus expiries: the Core tier never reads the certificate,
    # so they share their kind of record's position; Advanced ones are told apart by it
    core = [provider(4 * i, ce_plus=D(2027, 1, 1) + dt.timedelta(days=i)) for i in range(30)]  # all 25/26 Standards Met
    advanced = [provider(4 * i + 1, tier="advanced", ce_plus=D(2027, 1, 1) + dt.timedelta(days=i)) for i in range(30)]
    export = export_of([provider(i) for i in range(120)])
    positions = PositionFinder(export, TERMS, NOV)
    position_module._POSITIONS.clear()
    made = [positions.of(p) for p in core]
    assert len(position_module._POSITIONS) == 2  # assess_position's and, with no case, the followed-up one
    assert {m.kind for m in made} == {LetterKind.CONFIRM} and {m.certificate_expiry for m in made} == {None}
    position_module._POSITIONS.clear()
    made = [positions.of(p) for p in advanced]  # all 25/26 Standards Exceeded: the certificate decides
    assert len(position_module._POSITIONS) == 1 + 30
    # by hand: each letter names its own certificate's expiry, 1 January 2027 onwards; within 90 days of 26 November
    # 2026 (up to 24 February 2027) the letter reminds the provider to renew
    assert [m.certificate_expiry for m in made] == [D(2027, 1, 1) + dt.timedelta(days=i) for i in range(30)]
    assert all(m.kind is LetterKind.CONFIRM and m.certificate_reminder for m in made)
