"""The domain, pure Python: no Textual, no TinyDB, no I/O, no wall clock.

Import the submodules you need (``facilitator.core.roster`` ...); this package
itself imports nothing so that ``import facilitator.core`` stays cheap.
"""
