"""The position on a date with the case record read: later letters never restart the
dates an earlier notice gave, and the Advanced tier's certificate is counted.

:func:`assess_case_position` takes :func:`~contractgen.dspt.position.assess_position`'s
position (the DSPT record alone) and applies, in order:

1. **the certificate** (Advanced tier, whose minimum is Standards Exceeded: Standards
   Met plus a *current* Cyber Essentials Plus certificate, held throughout the contract
   under ``dspt.cyber-essentials``): the latest certificate known (register or case
   record, the later expiry wins). Expired: the tier is not met (kind ``certificate``,
   a Shortfall with its Remedial Plan dates, from the day after expiry). Expiring within
   the renewal window: the letter adds a reminder. Nothing known (neither the register
   nor the case record holds one): the tier is not counted as met (``meets_tier`` is
   ``None``: unknown) and the letter (kind ``certificate``, ``certificate_unrecorded``)
   asks for a copy by a reply date; it is not a Shortfall notice (no Remedial Plan
   date, no case opened), because the Standards Exceeded publication rested on a
   certificate when it was made, and a council may simply not have recorded it.
2. **the case**: with an open case, below the tier: the Remedial Plan in (received or
   agreed, not rejected since): kind ``progress``, with the notice's date for the tier
   or the agreed extension; the plan past due and not in: kind ``overdue``, with the
   notice's dates (the Remedial Plan paragraph's consequences now apply); the plan not
   yet due: the same kind of letter, as a reminder of the notice (``reminder``: it names
   the notice's date and repeats its dates, never new ones). At or above
   the tier: the letter closes the case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from ..base.environment import format_date
from ..base.workdays import add_working_days
from .case import CE_PLUS, CaseState, Certificate, latest_certificate
from .position import ContractTerms, ContractualPosition, LetterKind, add_months, assess_position, by_kind_of_record
from .register import Provider
from .status import DsptRecord, DsptStatus


def provider_certificate(provider: Provider, case: CaseState | None = None) -> Certificate | None:
    """The provider's latest Cyber Essentials Plus certificate: the register's
    ``cyber_essentials_plus_expiry`` or the case record's, whichever expires later."""
    register = Certificate(CE_PLUS, provider.cyber_essentials_plus_expiry, source="register") if provider.cyber_essentials_plus_expiry else None
    return latest_certificate(register, case.certificate if case is not None else None)


def assess_case_position(
    record: DsptRecord | None,
    terms: ContractTerms,
    as_of: dt.date,
    *,
    case: CaseState | None = None,
    certificate: Certificate | None = None,
    checked: bool = True,
    new_provider: bool = False,
) -> ContractualPosition:
    """The position of :func:`assess_position`, with the certificate and the case read.

    Without a case (most providers: every letter of a batch is made again when it is
    written and reported) it is worked out once per kind of record and certificate, as
    :func:`assess_position`'s is: neither step reads more of the record than that."""

    def make() -> ContractualPosition:
        position = assess_position(record, terms, as_of, checked=checked, new_provider=new_provider)
        if checked:
            position = apply_certificate(position, certificate)
        return apply_case(position, case)

    if case is not None:
        return make()
    certificate_read = certificate_key(certificate, terms) if checked else None
    return by_kind_of_record(record, terms, as_of, checked, new_provider, ("no case", certificate_read), make)


def certificate_key(certificate: Certificate | None, terms: ContractTerms) -> tuple[dt.date, str] | None:
    """What :func:`apply_certificate` reads of a certificate under ``terms``: its expiry
    and where it is recorded (not its number or issue date), and nothing where the tier
    does not ask for one. The key of the positions it makes alike."""
    if certificate is None or not reads_certificate(terms):
        return None
    return certificate.expiry, certificate.source


def reads_certificate(terms: ContractTerms) -> bool:
    """Whether the tier asks for a Cyber Essentials Plus certificate: its minimum is
    Standards Exceeded (Standards Met plus a current certificate)."""
    return terms.minimum is DsptStatus.STANDARDS_EXCEEDED


def apply_certificate(position: ContractualPosition, certificate: Certificate | None) -> ContractualPosition:
    """An Advanced-tier position that meets its tier on the DSPT record, checked against
    the certificate: expired is a Shortfall; expiring soon, a reminder; none recorded,
    the tier is not counted as met and the letter asks for a copy."""
    terms = position.terms
    if not reads_certificate(terms) or not position.meets_tier:
        return position
    if certificate is None:
        return replace(
            position,
            kind=LetterKind.CERTIFICATE,
            meets_tier=None,
            certificate_unrecorded=True,
            response_by=add_working_days(position.as_of, terms.response_working_days),
            reason="No Cyber Essentials Plus certificate is recorded (register or case record): "
                   "the Advanced tier needs a current one; the letter asks for a copy.",
        )
    as_of, expiry = position.as_of, certificate.expiry
    if certificate.current(as_of):
        soon = (expiry - as_of).days <= terms.renewal_window_days
        return replace(position, certificate_expiry=expiry, certificate_reminder=soon)
    plan_due = add_working_days(as_of, terms.remedial_plan_working_days)
    return replace(
        position,
        kind=LetterKind.CERTIFICATE,
        meets_tier=False,
        shortfall=True,
        shortfall_since=expiry + dt.timedelta(days=1),
        remedial_plan_due=plan_due,
        standard_by=add_months(plan_due, terms.remedial_period_months),
        response_by=plan_due,
        certificate_expiry=expiry,
        reason=(f"The Cyber Essentials Plus certificate ({certificate.source}) expired on {format_date(expiry)}: "
                "the Advanced tier needs a current one."),
    )


def apply_case(position: ContractualPosition, case: CaseState | None) -> ContractualPosition:
    """The position with the provider's case read (see the module's docstring)."""
    if case is None or not case.open:
        if position.shortfall and position.remedial_plan_due is not None:
            return replace(position, notice_date=position.as_of, case="open")  # this letter is the notice
        return replace(position, case="closed") if case is not None and case.status == "closed" else position
    if position.meets_tier:
        return _in_case(position, case, closes_case=True, **{"case": "closed"})
    if position.certificate_unrecorded:  # meets on the DSPT record; the certificate is asked for, the case stays as it is
        return _in_case(position, case)
    if not position.checked:
        return _in_case(position, case)
    notice = format_date(case.notice_date) if case.notice_date else "an earlier date"
    if case.plan_in:
        by = case.standard_by
        return _in_case(
            position, case, kind=LetterKind.PROGRESS, remedial_plan_due=None, response_by=None, standard_by=by,
            reason=f"Remedial Plan received after our notice of {notice}; the tier is to be reached by "
                   f"{format_date(by) if by else 'the date in the plan'}.",
        )
    if case.overdue(position.as_of):
        due = case.remedial_plan_due
        return _in_case(
            position, case, kind=LetterKind.OVERDUE, remedial_plan_due=due, standard_by=case.notice_standard_by, response_by=None,
            reason=f"The Remedial Plan our notice of {notice} asked for by {format_date(due) if due else 'its date'} has not arrived.",
        )
    return _in_case(  # a reminder of the notice, with its dates: never a new notice
        position, case, remedial_plan_due=case.remedial_plan_due, standard_by=case.standard_by, response_by=case.remedial_plan_due,
        reminder=True,
    )


def _in_case(position: ContractualPosition, state: CaseState, **changes: Any) -> ContractualPosition:
    fields: dict[str, Any] = {
        "notice_date": state.notice_date, "case": "open", "plan_received": state.plan_received, "extension_until": state.extension_until,
    }
    return replace(position, **{**fields, **changes})


__all__ = ["apply_case", "apply_certificate", "assess_case_position", "provider_certificate"]
