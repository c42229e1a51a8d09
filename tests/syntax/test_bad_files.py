"""Every file in tests/bad/ fails with the expected message at the expected line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnlang.errors import PinnError
from pinnlang.syntax import load

BAD = Path(__file__).resolve().parents[1] / "bad"

# (file stem, line, column, first message) — the first diagnostic, in order of position.
EXPECTED: list[tuple[str, int, int, str]] = [
    ('ambiguous_shorthand', 5, 6, "'u_x' is ambiguous: it is declared as a constant and also reads as a derivative shorthand"),
    ('atan2_one_argument', 5, 10, 'atan2() takes 2 arguments, got 1'),
    ('bad_weight', 5, 1, "option 'weight' must be a positive number, got -1"),
    ('builtin_as_name', 3, 7, "'sin' is a built-in function of the language and cannot be used as a name"),
    ('constant_as_coordinate', 2, 7, "'e' is a built-in constant of the language and cannot be used as a name"),
    ('coordinate_in_bound', 3, 15, "an interval bound must be a constant expression, but 'x' is a space coordinate"),
    ('d_one_argument', 5, 6, 'd() takes at least 2 arguments, got 1'),
    ('data_absolute_path', 6, 6, "data file '/etc/passwd' is outside the folder of the problem file"),
    ('data_missing_column', 6, 6, "data file 'header_xu.csv' lacks a column 'u'"),
    ('data_missing_file', 6, 6, "data file 'nothere.csv' not found"),
    ('data_outside_folder', 6, 6, "data file '../../etc/passwd' is outside the folder of the problem file"),
    ('derivative_along_const', 5, 11, "cannot differentiate along 'k': it is a constant, not a coordinate"),
    ('derivative_along_param', 5, 11, "cannot differentiate along 'a': it is a parameter, not a coordinate"),
    ('derivative_order_zero', 5, 14, 'a derivative order must be a whole number ≥ 1 after a coordinate'),
    ('dn_in_pde', 4, 1, "dn(...) is only allowed in boundary conditions, not in pde condition 'pde'"),
    ('domain_dimension', 2, 17, 'the domain is 3-dimensional but 2 space coordinates (x, y) are declared'),
    ('duplicate_condition_name', 6, 10, "a condition named 'heat' already exists"),
    ('duplicate_name', 4, 7, "'a' is already declared as a constant on line 2"),
    ('empty_param_range', 2, 7, "the range of parameter 'a' [3, 1] is empty"),
    ('empty_space_interval', 2, 12, 'interval is empty: need lower < upper, got [1.0, 0.0]'),
    ('equation_without_keyword', 5, 1, "expected a statement, found 'u_t'"),
    ('exact_not_a_field', 6, 8, "the left side of 'exact:' must be a field name"),
    ('field_not_declared', 5, 12, "unknown name 'v'"),
    ('implicit_product', 5, 13, "unexpected 'x' after 'pde: u_t = 2'"),
    ('initial_without_time', 5, 1, "initial condition 'initial' needs a time coordinate"),
    ('keyword_as_name', 2, 7, "'in' is a keyword of the language and cannot be used as a name"),
    ('mismatched_bracket', 5, 11, "']' does not match the '(' opened at line 5, column 9"),
    ('missing_colon', 5, 9, "expected ':' after 'pde u_t', found '='"),
    ('missing_rhs', 5, 11, "expected an expression after 'pde: u_t =', found the end of the line"),
    ('misspelt_keyword', 5, 1, "unknown statement 'boundry' (did you mean 'boundary'?)"),
    ('negative_radius', 2, 30, 'a radius must be positive, got -1'),
    ('no_problem_statement', 1, 1, "the file has no 'problem NAME' statement"),
    ('on_time_plane', 6, 13, "'on t = ...' needs a space coordinate, but 't' is the time coordinate"),
    ('operator_without_operand', 5, 16, "expected an expression after 'pde: u_t = 1 +', found '*'"),
    ('periodic_on_disk', 5, 1, "'periodic: x' needs a domain that is an interval or a box, so that 'x' ranges over an interval"),
    ('quantity_ambiguous_normal', 6, 25, "'nx' is ambiguous in a boundary integral: it is declared as a constant and is also a component of the outward normal"),
    ('quantity_dn_in_domain', 6, 26, "dn(...) needs a boundary: integrate with 'integral(..., on SELECTOR)'"),
    ('quantity_normal_in_domain', 6, 28, "'nx' (a component of the outward normal) is defined only on a boundary"),
    ('quantity_point_outside', 6, 15, "quantity 'dp': the point (x=2, y=0.5) lies outside the domain"),
    ('quantity_point_values_differ', 5, 46, "every value(...) of a quantity must take the same expression"),
    ('quantity_selects_nothing', 6, 36, "quantity 'flux' selects no point of the boundary"),
    ('quantity_unknown_name', 6, 26, "unknown name 'w'"),
    ('quantity_unknown_option', 6, 1, "quantity 'flux': unknown quantity option 'refrence' (did you mean 'reference'? known: reference)"),
    ('quantity_unknown_region', 6, 36, "unknown name 'circle'"),
    ('reference_missing_field', 7, 11, "reference file 'reference_xtu.csv' has no column 'v'"),
    ('reference_missing_file', 7, 11, "reference file 'nothere.npz' not found"),
    ('reference_missing_input', 7, 11, "reference file 'reference_xuv.csv' has no column 't'"),
    ('reference_not_a_field', 8, 32, "'reference' lists fields, but 'k' is a constant"),
    ('reference_npz_missing_field', 7, 11, "reference file 'reference_grid_xt.npz' has no array 'v'"),
    ('reference_outside_domain', 7, 11, "reference file 'reference_xtu.csv': 2 of 4 points lie outside the domain, e.g. (x=2, t=0.5)"),
    ('reference_outside_folder', 7, 11, "reference file '../outside.csv' is outside the folder of the problem file"),
    ('reference_wrong_shape', 7, 11, "reference file 'reference_grid_xt.npz': array 'u' has shape (3, 5), expected (5, 3) (the lengths of x, t)"),
    ('region_as_value', 5, 10, "'hole' is a region, not a value"),
    ('selector_misses_boundary', 6, 13, "boundary condition 'boundary' selects no point of the boundary"),
    ('sin_two_arguments', 5, 10, 'sin() takes 1 argument, got 2'),
    ('too_deep', 5, 30, 'expression nested too deeply'),
    ('two_problems', 2, 1, "only one 'problem' statement is allowed (the first is on line 1)"),
    ('two_spaces', 3, 1, "only one 'space' statement is allowed (the first is on line 2)"),
    ('two_statements_one_line', 2, 19, "unexpected keyword 'field' after 'space x in [0, 1]'"),
    ('two_times', 5, 1, "only one 'time' statement is allowed (the first is on line 3)"),
    ('unclosed_paren', 5, 7, "unclosed '('"),
    ('unknown_function', 5, 10, "unknown function 'sinn' (did you mean 'sin'?)"),
    ('unknown_name', 6, 28, "unknown name 'nuu' (did you mean 'nu'?)"),
    ('unterminated_string', 1, 11, 'unterminated string: the closing \'"\' is missing'),
    ('where_selects_nothing', 5, 1, "boundary condition 'boundary' selects no point of the boundary"),
]


def test_every_bad_file_is_in_the_table():
    assert sorted(p.stem for p in BAD.glob("*.pinn")) == sorted(row[0] for row in EXPECTED)


@pytest.mark.parametrize(("stem", "line", "col", "message"), EXPECTED, ids=[r[0] for r in EXPECTED])
def test_bad_file_reports_message_at_position(stem: str, line: int, col: int, message: str):
    path = BAD / f"{stem}.pinn"
    with pytest.raises(PinnError) as caught:
        load(path)
    first = caught.value.diagnostics[0]
    assert (first.span.line, first.span.col, first.message) == (line, col, message)
    rendered = caught.value.render().splitlines()
    assert rendered[0] == f"{path}:{line}:{col}: error: {message}"
    source_line = path.read_text().splitlines()[line - 1]
    assert rendered[1] == "    " + source_line
    caret = rendered[2]
    assert caret.index("^") == 4 + col - 1
    assert set(caret.strip()) <= {"^", "~"}


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path):
    path = tmp_path / "many.pinn"
    path.write_text("problem p\nspace x in [0, 1]\nfield u\n"
                    "pde: d(u, x) = nuu\n"
                    "boundary on x = 5: u = 0\n"
                    "initial: u = 0\n"
                    "pde: sinn(u) = 0\n")
    with pytest.raises(PinnError) as caught:
        load(path)
    found = [(d.span.line, d.message) for d in caught.value.diagnostics]
    assert found == [
        (4, "unknown name 'nuu'"),
        (5, "boundary condition 'boundary' selects no point of the boundary"),
        (6, "initial condition 'initial' needs a time coordinate"),
        (7, "unknown function 'sinn' (did you mean 'sin'?)"),
    ]


def test_several_syntax_errors_are_all_reported():
    from pinnlang.syntax import parse

    with pytest.raises(PinnError) as caught:
        parse("problem p\nspace x in [0, 1]\nfield u\npde u = 0\nboundary: u = (1\nfield v\n")
    assert [(d.span.line, d.span.col, d.message) for d in caught.value.diagnostics] == [
        (4, 7, "expected ':' after 'pde u', found '='"),
        (5, 15, "unclosed '('"),
    ]
