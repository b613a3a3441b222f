"""The terminal progress line: bounded rate, and a shorter line fully replaces a longer one."""

from __future__ import annotations

from claude_magics.mapping.progress import Progress
from claude_magics.mapping.report import Stats


def test_a_shorter_line_leaves_nothing_of_the_longer_one(capsys):
    stats = Stats(total=10)
    progress = Progress(stats)
    assert not progress.kernel and progress.interval == 1.0
    stats.answered, stats.started = 5, stats.started - 10  # a pace, so the line shows an ETA
    progress.update(force=True)
    stats.answered = 10
    progress.finish()
    written = capsys.readouterr().err
    first, last = written.strip("\n").split("\r")[1:]
    assert "ETA" in first and "ETA" not in last and "10/10 rows" in last
    assert len(last) >= len(first)  # padded with spaces over the old tail
    assert written.endswith("\n")


def test_updates_are_throttled(capsys):
    progress = Progress(Stats(total=3))
    for _ in range(50):
        progress.update()
    assert progress.updates == 1  # at most one a second in a terminal
    Progress(Stats(total=3), enabled=False).update(force=True)
    assert capsys.readouterr().err.count("\r") == 1
