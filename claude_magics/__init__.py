"""claude_magics: work with Claude from a Jupyter notebook."""
__version__ = "0.1.0"
