"""The text form and the Python form of a problem are equal; printing round-trips exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from pinnlang.syntax import parse

from .examples import DATA_FILES, EXAMPLES, ROUND_TRIP


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding the data files the example problems name."""
    for name, text in DATA_FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def parse_in(folder: Path, text: str):
    return parse(text, path=str(folder / "problem.pinn"))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_text_and_python_forms_are_equal(name, folder):
    example = EXAMPLES[name]
    assert parse_in(folder, example.text) == example.build()


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_printed_text_parses_back_to_an_equal_problem(name, folder):
    problem = ROUND_TRIP[name]()
    text = problem.to_pinn()
    again = parse_in(folder, text)
    assert again == problem
    assert again.to_pinn() == text  # canonical text is a fixed point


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_parsed_problem_round_trips(name, folder):
    parsed = parse_in(folder, EXAMPLES[name].text)
    assert parse_in(folder, parsed.to_pinn()) == parsed
