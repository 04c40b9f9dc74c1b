"""The clinic data directory: TinyDB files, locking, atomic writes, audit log, imports.

Knows ``facilitator.core``; never the UI.
"""
