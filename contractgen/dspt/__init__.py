"""The DSPT and the providers it covers: statuses and assessment years, the export and
register readers, and each provider's contractual position on a date (which letter it gets).
"""
