"""A real browser for the docs pages: Debian's Chromium, driven by Playwright, kept on loopback.

What: `driver.py` starts one headless Chromium (`open_browser`, `Browser.page`) and says what to
install when it is missing (`chromium_missing`); `network.py` logs every request of a page and
aborts any that would leave loopback (`NetworkLog`, `OfflineGuard`).
When: the browser suite (`python -m suites.browser`, tests/suites/browser) and the doctor's docs
check (doctor/browser.py).
Why: root_path bugs are met in the browser; both users need the same launch flags and the same
offline promise, so they share one driver.
"""
