"""``grader schema``: the JSON Schema of ``assignment.yaml``, for editors."""

from __future__ import annotations

import argparse
import json

from grader.spec_yaml import yaml_json_schema


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of assignment specs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(yaml_json_schema(), indent=2, ensure_ascii=False))
    return 0
