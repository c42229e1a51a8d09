"""The reference grammar names exactly the rules the parser names."""

from __future__ import annotations

import re
from pathlib import Path

from pinnlang.syntax import grammar

EBNF = Path(__file__).resolve().parents[2] / "grammars" / "pinn.ebnf"

#: EBNF rules that describe tokens the parser matches with a regular expression or keyword list.
LEXICAL_ONLY = {"keyword"}


def ebnf_rules() -> set[str]:
    text = re.sub(r"\(\*.*?\*\)", "", EBNF.read_text(), flags=re.S)
    return set(re.findall(r"^([a-z_]+)\s*=", text, flags=re.M))


def test_ebnf_rules_match_parser_rules():
    assert ebnf_rules() - LEXICAL_ONLY == set(grammar.RULES)


def test_every_parser_rule_has_its_own_name():
    for name, element in grammar.RULES.items():
        assert element.customName == name
