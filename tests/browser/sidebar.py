"""Driving the Claude sidebar (the lab extension) from Playwright."""

from __future__ import annotations

from playwright.sync_api import expect

SIDEBAR = "#claude-magics-sidebar"
STREAM_TIMEOUT = 45_000


def open_sidebar(page):
    """Click the Claude tab in the right sidebar (once); returns the sidebar's locator."""
    sidebar = page.locator(SIDEBAR)
    if not sidebar.is_visible():
        page.locator('.jp-SideBar .lm-TabBar-tab[title="Claude"]').first.click()
    expect(sidebar).to_be_visible()
    return sidebar


def sidebar_panel(page, timeout: int = 60_000):
    """The chat panel inside the sidebar (opened if needed), once the kernel shows it."""
    open_sidebar(page)
    panel = page.locator(f"{SIDEBAR} .claude-panel")
    try:
        expect(panel).to_have_count(1, timeout=timeout)
    except AssertionError:
        sidebar = page.locator(SIDEBAR)
        raise AssertionError(
            f"no chat panel in the sidebar (phase {sidebar.get_attribute('data-phase')!r}): {sidebar.inner_text()!r}"
        ) from None
    return panel


def ask_in(page, panel, question: str):
    """Type ``question`` into a chat panel and press Enter; returns the new answer entry."""
    answers = panel.locator(".cp-assistant")
    before = answers.count()
    panel.locator(".cp-input").click()
    page.keyboard.insert_text(question)
    page.keyboard.press("Enter")
    expect(answers).to_have_count(before + 1, timeout=STREAM_TIMEOUT)
    return answers.nth(before)


def run_command(page, label: str) -> None:
    """Run a command by its label through the command palette."""
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(".lm-CommandPalette-input")
    expect(palette).to_be_visible()
    palette.fill(label)
    page.locator(".lm-CommandPalette-item", has_text=label).first.click()
