"""/ws reports its own websocket scope first, then echoes: what lab 12 and the matrix read.

When one of these fails, the first message of /ws no longer says what the app saw on a websocket
scope, so the matrix's ws.* cells and lab 12 would read the wrong thing through every proxy.
"""

from __future__ import annotations

import pytest
from app_modes import ANSWERING_MODES, PREFIX, SERVER_ROOT_PATH, Mode, case_id


@pytest.mark.parametrize("mode", ANSWERING_MODES, ids=case_id)
def test_the_first_message_is_the_scope_as_the_app_saw_it(mode: Mode):
    """url_for on a websocket scope would not carry the root_path the way it does for HTTP."""
    with mode.client() as client, client.websocket_connect(mode.url_path("/ws")) as socket:
        report = socket.receive_json()
    expected_root = PREFIX if mode.server_root_path or mode.settings.app_root_path else ""
    assert report["scheme"] == "ws" and report["method"] is None
    assert report["root_path"] == expected_root
    assert report["url_for"] == f"ws://testserver{expected_root}/ws"


def test_then_it_echoes_every_text_message():
    """The echo after the report is gone: a client that sends and waits would hang."""
    with (
        SERVER_ROOT_PATH.client() as client,
        client.websocket_connect(SERVER_ROOT_PATH.url_path("/ws")) as socket,
    ):
        socket.receive_json()
        socket.send_text("hello")
        assert socket.receive_text() == "hello"
