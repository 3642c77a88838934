"""The market overview for commissioners: the market on a date, as a self-contained HTML
page, an Excel workbook and the LSO referral list.
"""
