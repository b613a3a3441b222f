"""Tools Claude may call: notebook functions, the EDA agent's tools, and the API's typed tools.

``schema`` turns a typed, documented function into a tool definition; ``toolset`` runs the
calls of one answer (approval first where a tool needs it) into ``tool_result`` blocks;
``eda`` is the opt-in agent toolset over the notebook's namespace; ``files`` executes the
API's bash and text-editor tools inside the notebook's folder. The loop that sends the
results back lives in ``core.conversation`` (the only writer of history).
"""

from .schema import ToolSchemaError, function_tool_definition, json_schema
from .toolset import Approval, Tool, Toolset, as_tool, result_content, tool

__all__ = [
    "Approval", "Tool", "ToolSchemaError", "Toolset", "as_tool", "function_tool_definition",
    "json_schema", "result_content", "tool",
]
