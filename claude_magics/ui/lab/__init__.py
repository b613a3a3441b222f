"""The kernel half of the JupyterLab extension (``labextension/``).

``bridge`` is the comm the extension opens to talk to this kernel's session; ``saved``
turns a conversation into the size-capped blob kept in the notebook's metadata and
back; ``cells`` turns a notebook cell (source and outputs, as the page sends them) into
content blocks. All HTML the extension shows still comes from ``ui.panel``: the sidebar
is one more view of the same chat panel widget.
"""
