"""Business continuity plan audits: the form a provider fills in, reading it back, scoring it
and the feedback letter.
"""
