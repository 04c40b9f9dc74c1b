"""facilitator: a terminal companion for Intensive Outpatient Program group sessions."""

__version__ = "0.1.0"
