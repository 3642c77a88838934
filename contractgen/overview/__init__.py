"""The market overview for commissioners: the market on a date, as a self-contained HTML
page, an Excel workbook and the LSO referral list.
"""

from .write import build_overview

__all__ = ["build_overview"]
