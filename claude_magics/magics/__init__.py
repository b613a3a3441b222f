"""The ``%%claude`` / ``%claude`` magics: ``magic`` (the ``ClaudeMagics`` class and its options),
``parsing`` (pure helpers that split what the person typed).
"""
