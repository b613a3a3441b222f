"""A notebook function as a Claude tool definition: name, description and JSON Schema.

The schema comes from the signature's type hints and the description from the docstring,
so a person writes an ordinary typed, documented function and Claude sees what it takes.

Why hand-written type mapping and not pydantic for everything: pydantic is optional here
(a runtime dependency of ~2 MB compiled code for a job of a hundred lines), and one mapping
gives the same schema whether or not it is installed. Pydantic *models* used as parameter
types are the one thing it alone understands, so their schema is asked of them
(``model_json_schema``). Docstrings are parsed by ``docstring_parser`` (small, pure Python,
well kept): Google, NumPy, reST and Epydoc styles all give per-parameter descriptions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["ToolSchemaError", "function_tool_definition", "json_schema"]

#: The API's rule for tool names.
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")

_SIMPLE = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    bytes: {"type": "string", "contentEncoding": "base64"},
    dt.date: {"type": "string", "format": "date"},
    dt.datetime: {"type": "string", "format": "date-time"},
    Any: {},
    object: {},
}


class ToolSchemaError(TypeError):
    """A function that cannot be offered as a tool (bad name, ``*args``, an unmappable type)."""


def json_schema(annotation: Any, *, _seen: frozenset = frozenset()) -> dict:
    """JSON Schema for a type hint: builtins, Optional/Union, Literal, Enum, containers,
    TypedDict, dataclasses and pydantic models."""
    if annotation in _SIMPLE:
        return dict(_SIMPLE[annotation])
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        schema = json_schema(args[0], _seen=_seen)
        text = next((a for a in args[1:] if isinstance(a, str)), None)
        return {**schema, "description": text} if text else schema
    if origin is typing.Literal:
        values = list(args)
        kinds = {type(v) for v in values}
        schema: dict = {"enum": values}
        if len(kinds) == 1 and next(iter(kinds)) in _SIMPLE:
            schema = {**_SIMPLE[next(iter(kinds))], "enum": values}
        return schema
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        schemas = [json_schema(a, _seen=_seen) for a in options]
        if len(options) < len(args):
            schemas.append({"type": "null"})
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if origin in (list, set, frozenset, Sequence, typing.List, typing.Set) or annotation in (list, set, frozenset):
        schema = {"type": "array"}
        if args:
            schema["items"] = json_schema(args[0], _seen=_seen)
        if origin in (set, frozenset) or annotation in (set, frozenset):
            schema["uniqueItems"] = True
        return schema
    if origin is tuple or annotation is tuple:
        if not args:
            return {"type": "array"}
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": json_schema(args[0], _seen=_seen)}
        return {
            "type": "array",
            "prefixItems": [json_schema(a, _seen=_seen) for a in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if origin in (dict, Mapping) or annotation is dict:
        schema = {"type": "object"}
        if len(args) == 2:
            schema["additionalProperties"] = json_schema(args[1], _seen=_seen)
        return schema
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return {"enum": [member.value for member in annotation]}
        if annotation in _seen:
            raise ToolSchemaError(f"{annotation.__name__} refers to itself; recursive types are not supported")
        if hasattr(annotation, "model_json_schema"):  # a pydantic model: it knows its own schema
            return annotation.model_json_schema()
        if dataclasses.is_dataclass(annotation):
            return _record_schema(annotation, _dataclass_fields(annotation), _seen | {annotation})
        if typing.is_typeddict(annotation):
            required = getattr(annotation, "__required_keys__", set())
            hints = typing.get_type_hints(annotation, include_extras=True)
            fields = [(name, hint, name not in required) for name, hint in hints.items()]
            return _record_schema(annotation, fields, _seen | {annotation})
    raise ToolSchemaError(f"no JSON Schema for the type {annotation!r}; use builtins, Literal, lists, dicts, dataclasses or pydantic models")


def _dataclass_fields(cls) -> list[tuple[str, Any, bool]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = []
    for field in dataclasses.fields(cls):
        optional = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        fields.append((field.name, hints.get(field.name, Any), optional))
    return fields


def _record_schema(cls, fields, seen) -> dict:
    properties = {name: json_schema(hint, _seen=seen) for name, hint, _ in fields}
    schema: dict = {"type": "object", "properties": properties}
    required = [name for name, _, optional in fields if not optional]
    if required:
        schema["required"] = required
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")  # its own, not an inherited one
    if doc and not doc.startswith(cls.__name__ + "("):  # not the dataclass's generated signature
        schema["description"] = doc.split("\n\n")[0]
    return schema


def _docs(function: Callable) -> tuple[str, dict[str, str]]:
    """The description and per-parameter docs of a function's docstring."""
    doc = inspect.getdoc(function) or ""
    if not doc:
        return "", {}
    import docstring_parser

    parsed = docstring_parser.parse(doc)
    parts = [p for p in (parsed.short_description, parsed.long_description) if p]
    if parsed.returns is not None and parsed.returns.description:
        parts.append("Returns: " + parsed.returns.description)
    params = {p.arg_name: p.description for p in parsed.params if p.description}
    return "\n\n".join(parts), params


def function_tool_definition(function: Callable, *, name: str | None = None) -> dict:
    """``{"name", "description", "input_schema"}`` for a plain Python function.

    A parameter with a default is optional; ``*args``/``**kwargs`` are refused (Claude
    sends named arguments only); a parameter without a hint accepts any JSON value.
    """
    name = name or getattr(function, "__name__", "")
    if not TOOL_NAME.match(name or ""):
        raise ToolSchemaError(f"{name!r} is not a valid tool name: letters, digits, _ and - only, at most 128")
    try:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
    except (TypeError, ValueError, NameError) as exc:
        raise ToolSchemaError(f"cannot read the signature of {name}: {exc}") from None
    description, param_docs = _docs(function)
    properties: dict[str, dict] = {}
    required: list[str] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolSchemaError(f"{name}: *{param.name} cannot be a tool parameter; name each parameter")
        if param.kind is param.POSITIONAL_ONLY:
            raise ToolSchemaError(f"{name}: positional-only parameter {param.name!r}; Claude passes arguments by name")
        try:
            schema = json_schema(hints.get(param.name, Any))
        except ToolSchemaError as exc:
            raise ToolSchemaError(f"{name}({param.name}): {exc}") from None
        if param.name in param_docs and "description" not in schema:
            schema["description"] = param_docs[param.name]
        if param.default is param.empty:
            required.append(param.name)
        else:
            default = param.default
            if default is None or isinstance(default, (str, int, float, bool)):
                schema["default"] = default
        properties[param.name] = schema
    input_schema: dict = {"type": "object", "properties": properties}
    if required:
        input_schema["required"] = required
    return {"name": name, "description": description or f"The notebook function {name}.", "input_schema": input_schema}
