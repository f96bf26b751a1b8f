"""cossim._validation: the shared scalar and array checks, their types and one-line messages."""

import numpy as np
import pytest

from cossim._validation import (
    InvalidType,
    InvalidValue,
    check_choice,
    check_int,
    check_lambda,
    check_rank,
    check_real,
    check_vector,
)


def test_error_classes_are_value_and_type_errors():
    assert issubclass(InvalidValue, ValueError) and issubclass(InvalidType, TypeError)


@pytest.mark.parametrize("value, kwargs, exc, msg", [
    (True, {}, InvalidType, "n must be an integer, got bool"),
    (1.0, {}, InvalidType, "n must be an integer, got float"),
    (0, {"low": 1}, InvalidValue, "n must satisfy n >= 1, got 0"),
    (6, {"low": 1, "high": 5}, InvalidValue, "n must satisfy 1 <= n <= 5, got 6"),
    (9, {"high": 5}, InvalidValue, "n must satisfy n <= 5, got 9"),
])
def test_check_int_rejects(value, kwargs, exc, msg):
    with pytest.raises(exc) as info:
        check_int(value, "n", **kwargs)
    assert str(info.value) == msg


def test_check_int_accepts_numpy_integers():
    assert check_int(np.int64(3), "n", 1, 3) == 3 and type(check_int(np.int64(3), "n")) is int


@pytest.mark.parametrize("value, kwargs, exc, msg", [
    ("1", {}, InvalidType, "x must be a real number, got str"),
    (np.bool_(True), {}, InvalidType, "x must be a real number, got bool"),
    (float("nan"), {}, InvalidValue, "x must be finite, got nan"),
    (-1.0, {"low": 0}, InvalidValue, "x must satisfy x >= 0, got -1.0"),
    (0.0, {"low": 0, "low_open": True}, InvalidValue, "x must satisfy x > 0, got 0.0"),
    (2.0, {"low": 0, "high": 1}, InvalidValue, "x must satisfy 0 <= x <= 1, got 2.0"),
])
def test_check_real_rejects(value, kwargs, exc, msg):
    with pytest.raises(exc) as info:
        check_real(value, "x", **kwargs)
    assert str(info.value) == msg


def test_check_real_accepts_ints_and_0d_arrays():
    assert check_real(2, "x") == 2.0 and check_real(np.array(0.5), "x", 0, 1) == 0.5


def test_check_choice():
    assert check_choice("b", "m", ("a", "b")) == "b"
    with pytest.raises(InvalidValue) as info:
        check_choice("c", "m", ("a", "b"))
    assert str(info.value) == "m must be one of 'a', 'b', got 'c'"
    with pytest.raises(InvalidValue):
        check_choice(np.array(["a", "b"]), "m", ("a", "b"))  # an array is no choice


def test_check_vector():
    assert check_vector([1, 2], "v").dtype == np.float64
    with pytest.raises(InvalidType, match="v must be real numbers"):
        check_vector(["a"], "v")
    with pytest.raises(InvalidValue, match="at least 2 value"):
        check_vector([1.0], "v", min_size=2)
    with pytest.raises(InvalidValue, match="v contains NaN or inf"):
        check_vector([1.0, np.inf], "v")
    with pytest.raises(InvalidValue, match="v must be finite and positive"):
        check_vector([1.0, 0.0], "v", low=0, low_open=True)
    with pytest.raises(InvalidValue, match="v must be finite and non-negative"):
        check_vector([-1.0], "v", low=0)


def test_lambda_and_rank_keep_their_wording():
    with pytest.raises(InvalidValue, match="lam must be non-negative, got -1.0"):
        check_lambda(-1)
    with pytest.raises(InvalidValue, match="k must satisfy 1 <= k <= 3, got 4"):
        check_rank(4, 3)
