"""The chat panel: an anywidget over the notebook's conversation (see ``widget``).

``widget`` is the widget class and ``show_chat``; ``stream`` throttles and splits a
streaming answer into appends and tail edits; ``transcript`` turns turns into HTML;
``attach`` lists and converts the notebook's attachable objects; ``frontend.js`` and
``panel.css`` are the front end, loaded by anywidget from their paths.
"""

from .widget import ChatPanel, show_chat

__all__ = ["ChatPanel", "show_chat"]
