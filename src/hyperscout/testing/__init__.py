"""Reusable test suites: the contracts every implementation of a hyperscout interface must
pass. Plain functions raising AssertionError, so any test runner can use them."""

from __future__ import annotations

from .tuner_contract import CHECKS, FINITE_CHECKS, check_tuner, checks_for

__all__ = ["CHECKS", "FINITE_CHECKS", "check_tuner", "checks_for"]
