"""Validates YAML files against a JSON Schema with an independent validator (Python's
jsonschema), for tests/suite/schema.rs.

    python3 tests/schema/validate.py SCHEMA.json FILE.yaml...

Checks the schema itself against the draft-07 meta-schema, then prints one JSON line per file:
{"file": ..., "valid": true|false, "errors": ["where: what", ...]}.

The YAML is read as VS Code's YAML extension reads it (YAML 1.2's core schema): `2021-10-20` is
text, not a date, and only true/false are booleans. PyYAML alone follows YAML 1.1.
"""

import json
import re
import sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^[-+]?[0-9]+$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
]:
    Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:" + tag, re.compile(pattern), first)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = yaml.load(f, Loader=Yaml12Loader)
        errors = [
            "/".join(str(p) for p in e.absolute_path) + ": " + e.message
            for e in validator.iter_errors(document)
        ]
        print(json.dumps({"file": path, "valid": not errors, "errors": errors}))


if __name__ == "__main__":
    main()
