"""The application layer: the jobs that run over a whole workspace (``build``, ``validate``).

The Click command line (:mod:`contractgen.cli`) sits above this and calls into it.
"""
