"""Tools: schemas from signatures, running calls into tool_result blocks, the EDA and file tools."""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Literal, Optional

import pytest

from claude_magics.core.tools import Approval, Tool, ToolSchemaError, Toolset, function_tool_definition, tool
from claude_magics.core.tools.eda import eda_tools, list_variables, run_python
from claude_magics.core.tools.files import bash_tool, computer_tool, text_editor_tool


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Point:
    """A point on the plane."""

    x: float
    y: float = 0.0


class Options(typing.TypedDict, total=False):
    limit: int


def lookup(city: str, units: Literal["metric", "imperial"] = "metric", days: Optional[int] = None,
           tags: list[str] | None = None, weights: dict[str, float] | None = None, where: Point | None = None,
           color: Color = Color.RED, pair: tuple[int, str] = (1, "a"), options: Options | None = None) -> str:
    """Look up the weather for a city.

    Uses the notebook's cached forecasts.

    Args:
        city: The city's name, e.g. "Oslo".
        units: Which units to answer in.
        days: How many days ahead.
    """
    return city


def test_a_typed_documented_function_becomes_a_tool_definition():
    definition = function_tool_definition(lookup)
    assert definition["name"] == "lookup"
    assert definition["description"] == "Look up the weather for a city.\n\nUses the notebook's cached forecasts."
    schema = definition["input_schema"]
    assert schema["required"] == ["city"]
    props = schema["properties"]
    assert props["city"] == {"type": "string", "description": 'The city\'s name, e.g. "Oslo".'}
    assert props["units"] == {"type": "string", "enum": ["metric", "imperial"], "description": "Which units to answer in.", "default": "metric"}
    assert props["days"] == {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "How many days ahead.", "default": None}
    assert props["tags"]["anyOf"][0] == {"type": "array", "items": {"type": "string"}}
    assert props["weights"]["anyOf"][0] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert props["where"]["anyOf"][0] == {
        "type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x"], "description": "A point on the plane.",
    }
    assert props["color"] == {"enum": ["red", "blue"]}  # an Enum default is not JSON: not sent
    assert props["pair"]["prefixItems"] == [{"type": "integer"}, {"type": "string"}]
    assert props["options"]["anyOf"][0] == {"type": "object", "properties": {"limit": {"type": "integer"}}}


def test_pydantic_models_give_their_own_schema():
    pydantic = pytest.importorskip("pydantic")

    class Order(pydantic.BaseModel):
        item: str
        quantity: int = 1

    def place(order) -> str:
        """Place an order."""
        return order.item

    place.__annotations__ = {"order": Order, "return": str}  # a local class: hints given as objects

    schema = function_tool_definition(place)["input_schema"]["properties"]["order"]
    assert schema["properties"]["item"] == {"title": "Item", "type": "string"}
    assert schema["required"] == ["item"]


def test_functions_that_cannot_be_tools_say_why():
    def star(*args):
        return args

    def positional(a, /):
        return a

    def odd(x: complex):
        return x

    with pytest.raises(ToolSchemaError, match=r"\*args"):
        function_tool_definition(star)
    with pytest.raises(ToolSchemaError, match="positional-only"):
        function_tool_definition(positional)
    with pytest.raises(ToolSchemaError, match="odd\\(x\\).*complex"):
        function_tool_definition(odd)
    with pytest.raises(ToolSchemaError, match="not a valid tool name"):
        function_tool_definition(lambda: 1)


def test_an_undocumented_untyped_function_still_works():
    def add(a, b=2):
        return a + b

    assert function_tool_definition(add) == {
        "name": "add", "description": "The notebook function add.",
        "input_schema": {"type": "object", "properties": {"a": {}, "b": {"default": 2}}, "required": ["a"]},
    }


def use(name, tool_input, tool_id="toolu_1"):
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}


def test_calls_become_results_in_order_and_exceptions_become_error_results():
    def add(a: int, b: int) -> int:
        return a + b

    def boom(x: int) -> int:
        raise ValueError(f"bad {x}")

    toolset = Toolset.of([add, boom])
    results = toolset.answer([use("add", {"a": 2, "b": 3}, "t1"), use("boom", {"x": 7}, "t2"),
                              use("nope", {}, "t3"), use("add", {"a": 1}, "t4")])
    assert [r["tool_use_id"] for r in results] == ["t1", "t2", "t3", "t4"]
    assert results[0] == {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "5"}]}
    assert results[1] == {"type": "tool_result", "tool_use_id": "t2", "content": "ValueError: bad 7", "is_error": True}
    assert results[2]["is_error"] and "no tool named 'nope'" in results[2]["content"]
    assert results[3]["is_error"] and "arguments it does not take" in results[3]["content"]


def test_results_are_converted_like_references():
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": [1, 2, None]})
    toolset = Toolset.of([tool(lambda: frame, name="frame"), tool(lambda: {"k": [1, 2]}, name="data"),
                          tool(lambda: None, name="nothing")])
    frame_result, data_result, nothing = toolset.answer([use("frame", {}), use("data", {}), use("nothing", {})])
    assert "DataFrame" in frame_result["content"][0]["text"] and "3 rows" in frame_result["content"][0]["text"]
    assert data_result["content"][0]["text"] == '{\n "k": [\n  1,\n  2\n ]\n}'
    assert nothing["content"] == [{"type": "text", "text": "(no result)"}]


def test_approval_is_asked_with_the_preview_and_refusal_is_a_result():
    asked = []

    def approver(name, tool_input, preview):
        asked.append((name, preview))
        return Approval(tool_input["ok"], "not this one")

    ran = []
    risky = Tool({"name": "risky", "input_schema": {"type": "object"}}, lambda ok: ran.append(ok) or "done",
                 needs_approval=True, preview=lambda i: f"would run {i['ok']}")
    toolset = Toolset([risky], approver=approver)
    yes, no = toolset.answer([use("risky", {"ok": True}, "a"), use("risky", {"ok": False}, "b")])
    assert asked == [("risky", "would run True"), ("risky", "would run False")]
    assert ran == [True]
    assert yes["content"][0]["text"] == "done"
    assert no == {"type": "tool_result", "tool_use_id": "b", "is_error": True,
                  "content": "The user refused to run this risky call. Their reason: not this one"}
    assert Toolset([risky]).answer([use("risky", {"ok": True})])[0]["is_error"]  # nobody to ask: refused
    assert ran == [True]


def test_a_tool_nobody_runs_is_passed_through_and_answered_with_an_error():
    computer = computer_tool()
    toolset = Toolset.of([computer])
    assert toolset.definitions() == [{"type": "computer_20241022", "name": "computer",
                                       "display_width_px": 1024, "display_height_px": 768}]
    result = toolset.answer([use("computer", {"action": "screenshot"})])[0]
    assert result["is_error"] and "nothing runs it" in result["content"]


def test_duplicate_names_are_refused():
    def f():
        return 1

    with pytest.raises(ValueError, match="share the name f"):
        Toolset.of([f, f])


def test_run_python_captures_output_value_errors_and_new_figures():
    namespace: dict = {}
    blocks = run_python("x = 21\nprint('hello')\nx * 2", namespace)
    assert namespace["x"] == 21
    assert blocks == [{"type": "text", "text": "stdout:\nhello\n"}, {"type": "text", "text": "42"}]
    with pytest.raises(Exception) as failure:
        run_python("print('before')\n1/0", namespace)
    assert failure.value.blocks == [{"type": "text", "text": "stdout:\nbefore\n"}]
    assert "ZeroDivisionError" in failure.value.traceback_text

def test_run_python_survives_system_exit_and_reports_it():
    with pytest.raises(Exception, match="SystemExit"):
        run_python("raise SystemExit(3)", {})


def test_run_python_returns_the_figures_it_made_as_images():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    blocks = run_python("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nNone", {})
    images = [b for b in blocks if b["type"] == "image"]
    assert len(images) == 1 and images[0]["source"]["media_type"] == "image/png"
    plt.close("all")


def test_the_eda_tools_over_a_namespace():
    pandas = pytest.importorskip("pandas")
    namespace = {"df": pandas.DataFrame({"a": [1, None]}), "_hidden": 1, "n": 3, "pandas": pandas}
    tools = {t.name: t for t in eda_tools(namespace)}
    assert list_variables(namespace) == f"df: {type(namespace['df']).__module__}.DataFrame (2x1)\nn: int"
    described = tools["describe"].call({"name": "df"})
    assert "2 rows" in described[0]["text"]
    assert tools["run_python"].needs_approval and not tools["describe"].needs_approval
    approvals = []
    toolset = Toolset(list(tools.values()), approver=lambda n, i, p: approvals.append(p) or Approval(True))
    result = toolset.answer([use("run_python", {"code": "m = df['a'].mean()\nm"})])[0]
    assert approvals == ["m = df['a'].mean()\nm"]
    assert result["content"] == [{"type": "text", "text": "1.0"}] and namespace["m"] == 1.0
    error = toolset.answer([use("run_python", {"code": "print('x')\nundefined_name"})])[0]
    assert error["is_error"] and error["content"][0]["text"] == "stdout:\nx\n"
    assert "NameError" in error["content"][1]["text"]


def test_the_text_editor_stays_inside_its_folder(tmp_path):
    (tmp_path / "inside").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    editor = text_editor_tool(tmp_path / "inside")
    toolset = Toolset([editor], approver=lambda *a: Approval(True))
    run = lambda i: toolset.answer([use("str_replace_editor", i)])[0]  # noqa: E731
    assert run({"command": "create", "path": "a.py", "file_text": "x = 1\ny = 2"})["content"][0]["text"] == "Created a.py"
    assert run({"command": "str_replace", "path": "a.py", "old_str": "x = 1", "new_str": "x = 10"}).get("is_error") is None
    assert (tmp_path / "inside" / "a.py").read_text() == "x = 10\ny = 2"
    assert run({"command": "view", "path": "a.py"})["content"][0]["text"] == "     1\tx = 10\n     2\ty = 2"
    assert run({"command": "undo_edit", "path": "a.py"}).get("is_error") is None
    assert (tmp_path / "inside" / "a.py").read_text() == "x = 1\ny = 2"
    for path in ("../secret.txt", str(outside), "sub/../../secret.txt"):
        refused = run({"command": "view", "path": path})
        assert refused["is_error"] and "outside" in refused["content"]
    (tmp_path / "inside" / "link").symlink_to(outside)
    assert run({"command": "view", "path": "link"})["is_error"]


def test_bash_runs_in_the_folder_only_when_approved(tmp_path):
    shown = []
    bash = bash_tool(tmp_path)
    toolset = Toolset([bash], approver=lambda n, i, p: shown.append(p) or Approval(i["command"] != "rm -rf x"))
    done = toolset.answer([use("bash", {"command": "pwd; echo hi >&2; exit 3"})])[0]
    text = done["content"][0]["text"]
    assert str(tmp_path.resolve()) in text and "stderr:\nhi" in text and "(exit status 3)" in text
    assert shown[0].startswith("$ pwd; echo hi")
    assert toolset.answer([use("bash", {"command": "rm -rf x"})])[0]["is_error"]
