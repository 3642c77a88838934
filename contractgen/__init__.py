"""contractgen: DSPT contract schedules, provider letters and reviewable clause changes."""

__version__ = "0.1.0"
