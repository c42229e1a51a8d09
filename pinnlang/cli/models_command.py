"""``pinnlang models``: list the networks of the model zoo with their arguments."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arguments", action="store_true",
                        help="also list each model's arguments and their defaults")


def run(args: argparse.Namespace) -> int:
    from pinnlang.models import REQUIRED, describe_models, model_arguments
    from pinnlang.errors import PinnUsageError

    rows = describe_models()
    width = max((len(name) for name, _ in rows), default=4)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
        if args.arguments:
            try:
                arguments = model_arguments(name)
            except PinnUsageError as err:
                print(f"{'':<{width}}    ({err.message})")
                continue
            for arg, default in arguments.items():
                shown = "required" if default is REQUIRED else f"default {default!r}"
                print(f"{'':<{width}}    {arg}: {shown}")
    return 0
