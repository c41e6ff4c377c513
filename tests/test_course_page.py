import numpy as np
import pytest

from qgan_helpers.course.page import glue, glued, table


def test_glue_stores_numpy_scalars_as_python_numbers():
    glue("test-page-float", np.float64(0.25), display=False)
    glue("test-page-int", np.int64(7), display=False)
    assert type(glued("test-page-float")) is float and glued("test-page-float") == 0.25
    assert type(glued("test-page-int")) is int and glued("test-page-int") == 7
    assert format(glued("test-page-float"), ".2f") == "0.25"  # what {glue:text}`name:.2f` does


def test_glue_refuses_a_bad_name_and_glued_names_what_exists():
    with pytest.raises(ValueError, match="name"):
        glue("", 1.0, display=False)
    with pytest.raises(KeyError, match="nothing was glued"):
        glued("test-page-never")


def test_table_rows_and_html():
    t = table({"a": {"x": 1.0, "y": 2.0}}, first="row")
    assert "row" in str(t) and "<table" in t._repr_html_()
