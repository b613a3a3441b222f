"""The ``%%claude`` / ``%claude`` magics: ``magic`` (the ``ClaudeMagics`` class and its options),
``subcommands`` (each subcommand's grammar and work), ``parsing`` (pure helpers that split what
the person typed), ``help`` (the plain-text ``%%claude?``), ``messages`` (one line for a person
about a failure), ``tooling`` (``--tools`` and ``--agent``), ``mapcell`` (``--map``), ``cells``
(which notebook cell is running).
"""
