"""A real SMTP server on loopback for the reminder tests (aiosmtpd), which counts what it accepted.

- The first `fail_first` DATA commands are refused with a 451 (a busy server: the sender retries).
- `hold`: the first message after those is held (no answer to its DATA) until its client goes away
  (the test kills the worker sending it meanwhile); it is never accepted nor counted. `holding` is
  set when the hold begins.
- Every other message is accepted and recorded (recipients, the digest id it carries).
"""

from __future__ import annotations

import asyncio
import email
import email.header
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    recipients: tuple[str, ...]
    digest: str
    subject: str


@dataclass
class CountingHandler:
    fail_first: int = 0
    hold: bool = False
    data_commands: int = 0
    refused: int = 0
    held: int = 0
    received: list[Received] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
            hold = self.hold and not self.holding.is_set() and number > self.fail_first
            if hold:
                self.held += 1
                self.holding.set()
        if number <= self.fail_first:
            self.refused += 1
            return "451 4.3.0 Busy, try again later"
        if hold:
            for _ in range(600):  # up to 60 s
                if server.transport is None or server.transport.is_closing():
                    break
                await asyncio.sleep(0.1)  # aiosmtpd may cancel this when the client goes away
            return "451 4.3.0 Client went away"
        message = email.message_from_bytes(envelope.content)
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))
        with self.lock:
            self.received.append(
                Received(tuple(envelope.rcpt_tos), message.get("X-Portal-Digest", ""), subject)
            )
        return "250 OK"

    def by_recipient(self) -> Counter:
        with self.lock:
            return Counter(r for message in self.received for r in message.recipients)


class SMTPServer:
    """`with SMTPServer(handler) as server:` listens on 127.0.0.1:server.port."""

    def __init__(self, handler: CountingHandler):
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
