"""Paths the tests share (conftest modules are not importable by name: there are two)."""

import json
from pathlib import Path

import websocket

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "samples" / "rome-declaration.txt"
ARTIFACTS = REPO / "tests" / "artifacts"


class RawSocket:
    """An Engine.IO v4 / Socket.IO v5 connection spoken by hand, to send what no client
    library would: unknown events, unreadable packets."""

    def __init__(self, url: str, token: str) -> None:
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(ws_url, timeout=10)
        assert self.ws.recv().startswith("0")  # Engine.IO open
        self.ws.send("40" + json.dumps({"token": token}))
        assert self.recv().startswith("40")  # connected to "/"
        self.next_id = 1

    def recv(self) -> str:
        while True:
            msg = self.ws.recv()
            if msg == "2":  # ping
                self.ws.send("3")
                continue
            if msg.startswith("42"):  # a broadcast: not the answer we wait for
                continue
            return msg

    def call_raw(self, body: str) -> object:
        """Send `42<id><body>` and return the acknowledgement's first argument."""
        ack_id = self.next_id
        self.next_id += 1
        self.ws.send(f"42{ack_id}{body}")
        while True:
            msg = self.recv()
            if msg.startswith(f"43{ack_id}"):
                return json.loads(msg[len(f"43{ack_id}") :])[0]

    def close(self) -> None:
        self.ws.close()
