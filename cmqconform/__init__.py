"""cmqconform: a contract conformance suite for Tencent Cloud CMQ."""

__version__ = "0.1.0"
