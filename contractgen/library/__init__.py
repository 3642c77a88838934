"""The clause library and council profiles: loading and checking them, the workspace that
holds them, releases found in git history and version discipline.
"""
