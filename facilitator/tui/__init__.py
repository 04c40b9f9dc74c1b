"""The terminal user interface (Textual). Start with ``facilitator.tui.app.make_app``."""
