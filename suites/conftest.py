"""Conformance suites: generated cases (suites/generated) and hand-written scenarios.

Run through ``cmqconform run`` (or ``pytest suites/`` with the cmqconform plugin, which the
package registers as a pytest11 entry point). Fixtures come from :mod:`cmqconform.pytest_plugin`.
"""
