"""What shape each row's answer must have: the forced tool that asks for it, and its check.

Why a forced tool call: ``tool_choice: {"type": "tool"}`` makes every Claude model, under
every API version, answer with a JSON object shaped by ``input_schema`` - no prompt
engineering, no parsing of prose. The answer is still model output, so it is checked
here against the schema before it becomes a cell of the result; a row whose answer does
not fit is retried once by the runner, then marked failed.

Accepted ``schema=`` forms (one normalisation, so everything downstream sees one kind):

- ``None``: free text, no tool;
- a list of labels ``["positive", "negative"]``: one label per row (a categorical Series);
- ``{"product": str, "price": float, "urgent": bool, "tier": ["free", "pro"]}``: one column
  per field (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict`` or a list of labels);
- a JSON Schema of an object (``{"type": "object", "properties": ...}``): one column per property;
- a pydantic model class (when pydantic is installed): its JSON schema, validated by pydantic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Schema", "normalize_schema", "TOOL_NAME", "SchemaError"]

TOOL_NAME = "record_answer"

_PY_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
_JSON_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


class SchemaError(ValueError):
    """A ``schema=`` that cannot be turned into a tool; the message says which form to use."""


@dataclass(frozen=True)
class Field:
    """One output column: its JSON schema, its pandas dtype, its labels when it is categorical."""

    name: str
    json: dict
    dtype: str  # "string", "Int64", "Float64", "boolean", "category" or "object"
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    """A normalised ``schema=``: ``kind`` is "text", "labels" or "fields"."""

    kind: str
    fields: tuple[Field, ...] = ()
    json: dict = field(default_factory=dict)
    model: Any = None  # a pydantic model class, when one was given

    @property
    def tool(self) -> dict | None:
        """The tool definition sent with every row (None for free text)."""
        if self.kind == "text":
            return None
        what = "the label" if self.kind == "labels" else "the fields"
        return {
            "name": TOOL_NAME,
            "description": f"Record {what} asked for. Call this exactly once with the answer for the input given.",
            "input_schema": self.json,
        }

    def check(self, answer: Any) -> Any:
        """The row's value from the tool input ``answer``; raises ``ValueError`` saying what does not fit.

        "labels" gives the label, "fields" a dict of field values (converted: ``1`` for a float
        field becomes ``1.0``), a pydantic model its ``model_dump()``.
        """
        if not isinstance(answer, dict):
            raise ValueError(f"the answer is {type(answer).__name__}, not an object")
        if self.model is not None:
            try:
                return self.model.model_validate(answer).model_dump()
            except Exception as exc:  # pydantic.ValidationError: keep its first lines
                raise ValueError(" ".join(str(exc).split())[:300]) from None
        if self.kind == "labels":
            value = answer.get("label")
            labels = self.fields[0].labels
            if value not in labels:
                raise ValueError(f"label {value!r} is not one of {list(labels)}")
            return value
        required = set(self.json.get("required") or ())
        values: dict[str, Any] = {}
        for spec in self.fields:
            if spec.name not in answer:
                if spec.name in required:
                    raise ValueError(f"field {spec.name!r} is missing")
                values[spec.name] = None
                continue
            if answer[spec.name] is None:  # an explicit null: a missing value in the column
                values[spec.name] = None
                continue
            values[spec.name] = _check_value(spec, answer[spec.name])
        return values


def _check_value(spec: Field, value: Any) -> Any:
    kind = spec.json.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the non-null type
        kind = next((k for k in kind if k != "null"), None)
    if spec.labels:
        if value not in spec.labels:
            raise ValueError(f"field {spec.name!r}: {value!r} is not one of {list(spec.labels)}")
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"field {spec.name!r}: expected text, got {value!r}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"field {spec.name!r}: expected true or false, got {value!r}")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
            raise ValueError(f"field {spec.name!r}: expected a whole number, got {value!r}")
        return int(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"field {spec.name!r}: expected a number, got {value!r}")
        return float(value)
    if kind == "array" and not isinstance(value, list):
        raise ValueError(f"field {spec.name!r}: expected a list, got {value!r}")
    if kind == "object" and not isinstance(value, dict):
        raise ValueError(f"field {spec.name!r}: expected an object, got {value!r}")
    return value


def _labels(values: Any, where: str) -> tuple[str, ...]:
    labels = tuple(values)
    if not labels or not all(isinstance(v, str) and v for v in labels):
        raise SchemaError(f"{where}: labels must be a non-empty list of non-empty strings, got {values!r}")
    if len(set(labels)) != len(labels):
        raise SchemaError(f"{where}: labels repeat: {list(labels)}")
    return labels


def _field(name: str, spec: Any) -> Field:
    if not isinstance(name, str) or not name:
        raise SchemaError(f"schema field names must be non-empty strings, got {name!r}")
    if isinstance(spec, (list, tuple)):
        labels = _labels(spec, f"schema field {name!r}")
        return Field(name, {"type": "string", "enum": list(labels)}, "category", labels)
    if spec in _PY_TYPES:
        kind = _PY_TYPES[spec]
        return Field(name, {"type": kind}, _JSON_DTYPES.get(kind, "object"))
    if isinstance(spec, dict):
        return _json_field(name, spec)
    raise SchemaError(
        f"schema field {name!r}: use str, int, float, bool, list, dict, a list of labels or a JSON schema, not {spec!r}"
    )


def _json_field(name: str, spec: dict) -> Field:
    if spec.get("enum") and all(isinstance(v, str) for v in spec["enum"]):
        labels = _labels(spec["enum"], f"schema field {name!r}")
        return Field(name, dict(spec), "category", labels)
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return Field(name, dict(spec), _JSON_DTYPES.get(kind, "object"))


def _object_schema(fields: list[Field], required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": {f.name: f.json for f in fields},
        "required": list(required if required is not None else [f.name for f in fields]),
    }


def normalize_schema(schema: Any) -> Schema:
    """Every accepted ``schema=`` form as one :class:`Schema` (see the module docstring)."""
    if schema is None:
        return Schema("text")
    if isinstance(schema, (list, tuple)):
        labels = _labels(schema, "schema")
        spec = Field("label", {"type": "string", "enum": list(labels)}, "category", labels)
        return Schema("labels", (spec,), _object_schema([spec]))
    if isinstance(schema, type) and hasattr(schema, "model_json_schema"):  # pydantic v2 model
        json_schema = schema.model_json_schema()
        fields = tuple(_json_field(n, p) for n, p in (json_schema.get("properties") or {}).items())
        if not fields:
            raise SchemaError(f"schema {schema.__name__} has no fields")
        return Schema("fields", fields, json_schema, model=schema)
    if isinstance(schema, dict):
        if schema.get("type") == "object" and isinstance(schema.get("properties"), dict):
            fields = tuple(_json_field(n, p) for n, p in schema["properties"].items())
            if not fields:
                raise SchemaError("schema: a JSON schema needs at least one property")
            return Schema("fields", fields, dict(schema))
        if not schema:
            raise SchemaError("schema: an empty dict has no fields; give {field: type}")
        fields = tuple(_field(n, s) for n, s in schema.items())
        return Schema("fields", fields, _object_schema(list(fields)))
    raise SchemaError(
        "schema must be None (text), a list of labels, a {field: type} dict, a JSON schema or a pydantic "
        f"model, not {type(schema).__name__}"
    )
