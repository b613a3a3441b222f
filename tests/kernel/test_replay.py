"""Re-running notebooks in real kernels: unchanged cells replay their stored answers at no cost.

Notebooks are executed headless (nbclient, papermill) in fresh kernels against one fake API,
which counts the requests it receives; each test has its own answer store.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from claude_magics.testing import FakeAPI, text

from .kernel_runner import Kernel

pytestmark = pytest.mark.kernel

KEY = "sk-ant-test-replay-0000"
REPLAYED = "Replayed: this exact request was answered before"

CELLS = [
    "%load_ext claude_magics",
    "import pandas as pd\ndf = pd.DataFrame({'x': [1, 2, 3], 'y': ['a', 'b', None]})",
    "%%claude\nWhat is in {df}?",
    "%claude And which column has a gap?",
    "%%claude\nOne more thing.",
    "%claude usage",
]
ASKING = [2, 3, 4]  # the cells that ask


@pytest.fixture(scope="module")
def fake():
    with FakeAPI(api_key=KEY) as api:
        yield api


@pytest.fixture
def env(fake, tmp_path, monkeypatch):
    """A fake with no requests, and an answer store of this test's own (kernels inherit it)."""
    fake.reset()
    cache = tmp_path / "cache"
    for name, value in {
        "ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": KEY,
        "MPLBACKEND": "Agg", "CLAUDE_MAGICS_CACHE_DIR": str(cache),
    }.items():
        monkeypatch.setenv(name, value)
    return cache


def notebook(cells=CELLS):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


def execute(nb, cwd) -> nbformat.NotebookNode:
    """One run in a fresh kernel, as Restart & Run All or a report pipeline does."""
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def asked(fake) -> int:
    return sum(1 for r in fake.requests if r.path == "/v1/messages")


def html(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def answer(cell) -> str:
    """The answer's text as shown, without the replay banner and the usage line."""
    plain = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    parts = [p for p in plain.split("\n\n") if not p.startswith("Replayed:")]
    return "\n\n".join(parts[:-1])  # the last paragraph is the usage line


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_notebook_run_twice_sends_its_requests_once_and_replays_the_same_answers(env, fake, tmp_path):
    first = execute(notebook(), tmp_path)
    assert asked(fake) == 3
    assert not any(REPLAYED in html(first.cells[i]) for i in ASKING)

    second = execute(notebook(), tmp_path)
    assert asked(fake) == 3  # nothing was sent the second time
    for i in ASKING:
        assert REPLAYED in html(second.cells[i]) and "--refresh" in html(second.cells[i])
        assert "replayed, no cost" in html(second.cells[i])
        assert answer(second.cells[i]) == answer(first.cells[i]) != ""
    usage = stdout(second.cells[5])
    assert "3 answers" in usage and "3 replayed at no cost" in usage and "total: ~$0.0000" in usage
    assert "$0.0000" not in stdout(first.cells[5]).split("total:")[1]


def test_a_changed_prompt_asks_again_from_that_cell_on(env, fake, tmp_path):
    execute(notebook(), tmp_path)
    cells = list(CELLS)
    cells[3] = "%claude And which column is complete?"
    second = execute(notebook(cells), tmp_path)
    assert asked(fake) == 3 + 2  # the edited cell, and the one after it whose history changed
    assert [REPLAYED in html(second.cells[i]) for i in ASKING] == [True, False, False]
    assert fake.requests[-2].json["messages"][-1]["content"][0]["text"] == "And which column is complete?"


def test_changed_data_behind_a_reference_asks_afresh(env, fake, tmp_path):
    execute(notebook(), tmp_path)
    cells = list(CELLS)
    cells[1] = cells[1].replace("[1, 2, 3]", "[1, 2, 4]")
    second = execute(notebook(cells), tmp_path)
    assert asked(fake) == 6 and not any(REPLAYED in html(second.cells[i]) for i in ASKING)


def test_refresh_asks_again_and_replaces_the_stored_answer(env, fake, tmp_path):
    execute(notebook(), tmp_path)
    cells = list(CELLS)
    cells[2] = "%%claude --refresh\nWhat is in {df}?"
    fake.enqueue(text("A fresh answer about df."))
    refreshed = execute(notebook(cells), tmp_path)
    assert "A fresh answer about df." in html(refreshed.cells[2]) and REPLAYED not in html(refreshed.cells[2])
    assert asked(fake) == 3 + 3  # the later cells' history changed with it
    again = execute(notebook(), tmp_path)  # without --refresh: the new answer is the stored one
    assert asked(fake) == 6
    assert "A fresh answer about df." in html(again.cells[2]) and REPLAYED in html(again.cells[2])


def test_replay_can_be_turned_off(env, fake, tmp_path):
    execute(notebook(), tmp_path)
    cells = [CELLS[0], "%config ClaudeMagics.replay = False", *CELLS[1:]]
    second = execute(notebook(cells), tmp_path)
    assert asked(fake) == 6 and not any(REPLAYED in html(c) for c in second.cells)


def test_the_store_never_holds_the_key_and_cache_shows_and_clears_it(env, fake, tmp_path):
    cells = [*CELLS, "%claude cache", "%claude cache clear", "%claude cache"]
    nb = execute(notebook(cells), tmp_path)
    files = list(env.iterdir())
    assert any(f.name == "answers.sqlite3" for f in files)
    for path in files:  # the database, its WAL and shared memory
        data = path.read_bytes()
        assert KEY.encode() not in data and b"x-api-key" not in data
    shown, cleared, after = (stdout(c) for c in nb.cells[-3:])
    assert "answers stored: 3 (3 message)" in shown and str(env / "answers.sqlite3") in shown
    assert re.search(r"size: +[\d.,]+ (bytes|KB)", shown) and "replay:         on" in shown
    assert "Removed 3 stored answer(s)" in cleared and "answers stored: 0" in after


def test_papermill_runs_replay_too(env, fake, tmp_path):
    import papermill

    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook(), source)
    papermill.execute_notebook(str(source), str(output), kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    assert asked(fake) == 3
    papermill.execute_notebook(str(source), str(output), kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    assert asked(fake) == 3
    result = nbformat.read(output, as_version=4)
    assert all(REPLAYED in html(result.cells[i]) for i in ASKING)
    assert KEY not in nbformat.writes(result)


# -- cells that know which cell they are (JupyterLab sends metadata.cellId) ------------------

def history_length(kernel) -> int:
    run = kernel.run("from claude_magics.core.session import get_session\nprint(len(get_session().conversation()))")
    return int(run.stdout.strip())


@pytest.fixture
def kernel(env, tmp_path):
    kernel = Kernel({}, cwd=str(tmp_path))
    assert kernel.run("%load_ext claude_magics").status == "ok"
    yield kernel
    kernel.shutdown()


def test_a_cell_run_again_replaces_its_exchange_instead_of_appending(kernel, fake):
    kernel.run("%%claude\nOne", cell_id="c1")
    kernel.run("%%claude\nTwo", cell_id="c2")
    assert history_length(kernel) == 4 and asked(fake) == 2
    again = kernel.run("%%claude\nOne", cell_id="c1")  # the first cell, run again
    assert REPLAYED in again.html() and asked(fake) == 2
    assert history_length(kernel) == 2  # its exchange replaced; what followed it went with it
    edited = kernel.run("%%claude\nOne, edited", cell_id="c1")  # edited, it asks from its own point
    assert REPLAYED not in edited.html() and asked(fake) == 3
    assert len(fake.requests[-1].json["messages"]) == 1 and history_length(kernel) == 2


def test_restart_and_run_all_over_a_restored_conversation(kernel, fake, tmp_path):
    kernel.run("%%claude\nOne", cell_id="c1")
    kernel.run("%%claude\nTwo", cell_id="c2")
    saved = tmp_path / "conversation.json"
    assert kernel.run(f"%claude save {saved}").status == "ok"
    kernel.shutdown()

    restarted = Kernel({}, cwd=str(tmp_path))
    try:
        restarted.run("%load_ext claude_magics")
        restarted.run(f"%claude load {saved}")  # what restoring the notebook's conversation does
        assert history_length(restarted) == 4
        runs = [restarted.run("%%claude\nOne", cell_id="c1"), restarted.run("%%claude\nTwo", cell_id="c2")]
        assert all(REPLAYED in r.html() for r in runs) and asked(fake) == 2
        assert history_length(restarted) == 4  # Run All did not duplicate the restored exchanges
        restarted.run("%%claude\nThree", cell_id="c3")  # a new question continues it
        assert asked(fake) == 3 and len(fake.requests[-1].json["messages"]) == 5
        assert json.loads(saved.read_text())["origins"][0]["cell"] == "c1"
    finally:
        restarted.shutdown()
        kernel.shutdown = lambda: None  # already down


def test_a_colleague_replays_the_answers_the_notebook_carries(kernel, fake, tmp_path):
    """The conversation saved with the notebook keeps each cell's request key: another
    machine, with an empty store, replays from it; `%claude cache --notebook clear` stops that."""
    kernel.run("%%claude\nOne", cell_id="c1")
    kernel.run("%%claude\nTwo", cell_id="c2")
    assert "in notebook:    2 answer(s)" in kernel.run("%claude cache").stdout
    saved = tmp_path / "conversation.json"
    kernel.run(f"%claude save {saved}")

    colleague = Kernel({"CLAUDE_MAGICS_CACHE_DIR": str(tmp_path / "colleague-cache")}, cwd=str(tmp_path))
    try:
        colleague.run("%load_ext claude_magics")
        colleague.run(f"%claude load {saved}")
        runs = [colleague.run("%%claude\nOne", cell_id="c1"), colleague.run("%%claude\nTwo", cell_id="c2")]
        assert all(REPLAYED in r.html() for r in runs) and asked(fake) == 2
        assert "answers stored: 2" in colleague.run("%claude cache").stdout  # kept locally from now on
        cleared = colleague.run("%claude cache --notebook clear")
        assert "no longer carries 2 answer(s)" in cleared.stdout
        colleague.run(f"%claude save {tmp_path / 'cleared.json'}")
        assert all("key" not in o for o in json.loads((tmp_path / "cleared.json").read_text())["origins"])
    finally:
        colleague.shutdown()
