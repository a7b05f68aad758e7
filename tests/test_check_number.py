"""validation.check_number: the one check of numeric arguments (known values and properties)."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from nndl.errors import NNDLError
from nndl.validation import check_number, check_positive, check_seed


@pytest.mark.parametrize("value, kw, expected", [
    (0.5, dict(low=0, high=1), 0.5),
    (1, dict(low=0, high=1), 1.0),
    (np.float32(0.25), dict(low=0, low_open=True), 0.25),
    (np.int64(3), dict(integer=True, low=1), 3),
    (2**70, dict(integer=True, low=1), 2**70),
    (0, dict(integer=True, low=0), 0),
])
def test_accepts_values_in_the_interval(value, kw, expected):
    out = check_number("x", value, **kw)
    assert out == expected and type(out) is (int if kw.get("integer") else float)


@pytest.mark.parametrize("value, kw, words", [
    (True, dict(), "a number; got True"),
    ("2", dict(integer=True), "an integer; got '2'"),  # was "in (-inf, inf)"
    (-1, dict(integer=True, low=0, high=2**31 - 1), "in [0, 2147483647]; got -1"),
    (0, dict(low=0, low_open=True), "in (0, inf); got 0"),
    (1, dict(low=0, high=1, high_open=True), "in [0, 1); got 1"),
    (1.5, dict(integer=True), "an integer"),
    (float("nan"), dict(), "finite"),
    (float("inf"), dict(low=0), "finite"),
    (10**400, dict(), "finite"),
    (1 + 2j, dict(), "a number"),
    ("3", dict(), "got '3'"),
    (-1, dict(integer=True, low=0), "an integer in [0, inf); got -1"),
])
def test_refuses_with_the_interval_and_what_came(value, kw, words):
    with pytest.raises(NNDLError, match=r"^lr must be") as e:
        check_number("lr", value, **kw)
    assert words in str(e.value)


def test_a_huge_value_is_echoed_short():
    with pytest.raises(NNDLError) as e:
        check_number("x", "y" * 10**6)
    assert len(str(e.value)) < 400


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-10, 10), st.floats(-10, 10),
       st.booleans(), st.booleans())
def test_accepts_exactly_the_finite_numbers_inside(x, a, b, lo_open, hi_open):
    low, high = min(a, b), max(a, b)
    inside = (math.isfinite(x) and (x > low or (x == low and not lo_open))
              and (x < high or (x == high and not hi_open)))
    try:
        assert check_number("x", x, low=low, high=high, low_open=lo_open,
                            high_open=hi_open) == x
        assert inside
    except NNDLError:
        assert not inside


def test_positive_and_seed_keep_their_messages():
    assert check_positive("alpha", 2) == 2.0 and check_positive("n", 3, integer=True) == 3
    with pytest.raises(NNDLError, match="alpha must be a positive number; got 0"):
        check_positive("alpha", 0)
    assert check_seed(None) is None and check_seed(np.uint8(7)) == 7
    for bad in (-1, 1.0, True, "1"):
        with pytest.raises(NNDLError, match="seed must be a non-negative integer"):
            check_seed(bad)
