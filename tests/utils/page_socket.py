"""Drive a NiceGUI page over its websocket with python-socketio, as an attacker's script would (no browser).

`PageSocket.open(http, "/consents")` fetches the page with the HTTP client's cookies, reads the page's client id and
elements from the HTML, and connects a socket.io client the way nicegui.js does (implicit handshake in the query,
the cookies and an Origin header on the upgrade request). Elements the server adds later arrive as "update"
messages and are merged in; `fire()` sends an "event" message naming any client id, element and listener — the
forgeries the socket guard must drop.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio

_ELEMENTS = re.compile(r"parseElements\(String\.raw`(.*?)`\)", re.S)
_CLIENT_ID = re.compile(r"'client_id': '([0-9a-f-]{36})'")


@dataclass
class PageSocket:
    base_url: str
    client_id: str
    elements: dict[str, dict[str, Any]]
    sio: socketio.AsyncClient = field(default_factory=lambda: socketio.AsyncClient(reconnection=False))
    received: list[tuple[str, Any]] = field(default_factory=list)
    tab_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def read(cls, base_url: str, html: str) -> PageSocket:
        match, elements = _CLIENT_ID.search(html), _ELEMENTS.search(html)
        assert match and elements, "the page carries a NiceGUI client id and its elements"
        return cls(base_url=base_url, client_id=match.group(1), elements=json.loads(elements.group(1)))

    @classmethod
    def fetch(cls, http: httpx.Client, path: str) -> PageSocket:
        response = http.get(path)
        assert response.status_code == 200, f"GET {path} answered {response.status_code}"
        return cls.read(str(http.base_url).rstrip("/"), response.text)

    async def connect(
        self, *, cookies: str | None, origin: str | None = "same", client_id: str | None = None, implicit: bool = True
    ) -> None:
        """Connect as nicegui.js does. `cookies`: the Cookie header to send (None: none); `origin`: "same" for
        this portal's own origin, another value to forge it, None to send none; `client_id`: the page to claim."""
        self.sio.on("*", self._collect)
        query = {
            "client_id": client_id or self.client_id,
            "next_message_id": "0",
            "document_id": str(uuid.uuid4()),
            "tab_id": self.tab_id,
        }
        if implicit:
            query["implicit_handshake"] = "true"
        headers = {}
        if cookies:
            headers["Cookie"] = cookies
        if origin is not None:
            headers["Origin"] = self.base_url if origin == "same" else origin
        url = f"{self.base_url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
        await self.sio.connect(
            url, socketio_path="/_nicegui_ws/socket.io", transports=["websocket"], headers=headers, wait_timeout=10
        )

    async def handshake(self, client_id: str | None = None) -> bool:
        """An explicit handshake (the path nicegui.js takes when the query says no implicit handshake)."""
        answer = await self.sio.call(
            "handshake",
            {"client_id": client_id or self.client_id, "tab_id": self.tab_id, "document_id": str(uuid.uuid4())},
            timeout=10,
        )
        return bool(answer)

    async def _collect(self, event: str, data: Any = None) -> None:
        self.received.append((event, data))
        if event == "update" and isinstance(data, dict):
            for element_id, element in data.items():
                if isinstance(element, dict):
                    self.elements[str(element_id)] = element

    def find(self, testid: str) -> tuple[str, dict[str, Any]]:
        for element_id, element in self.elements.items():
            if element.get("props", {}).get("data-testid") == testid:
                return element_id, element
        raise AssertionError(f"no element with data-testid={testid!r} among {len(self.elements)} elements")

    def listener(self, testid: str, event_type: str) -> tuple[int, str]:
        element_id, element = self.find(testid)
        for event in element.get("events", []):
            if event["type"] == event_type:
                return int(element_id), event["listener_id"]
        raise AssertionError(f"{testid} has no {event_type} listener: {element.get('events')}")

    async def fire(self, element_id: int, listener_id: str, args: list[Any], *, client_id: str | None = None) -> None:
        await self.sio.emit(
            "event",
            {
                "id": element_id,
                "client_id": client_id or self.client_id,
                "listener_id": listener_id,
                "args": [json.dumps(a) for a in args],
            },
        )

    async def wait_for(self, testid: str, timeout: float = 10) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                self.find(testid)
                return
            except AssertionError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)

    def navigations(self) -> list[str]:
        return [str(data.get("path")) for event, data in self.received if event == "open" and isinstance(data, dict)]

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


def cookie_header(http: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())
