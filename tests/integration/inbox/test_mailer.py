"""E-mail nudges against a real SMTP server on loopback (a minimal one, started by the test)."""

from __future__ import annotations

import asyncio
import email
from email import policy

from coordination.inbox.mailer import MailConfig, send_nudge


class SmtpSink:
    """Just enough SMTP (RFC 5321) to receive messages: EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write((line + "\r\n").encode())

        say("220 sink ESMTP")
        sender, recipients = "", []
        while line := await reader.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 sink")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip("<>"), []
                say("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip("<>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                await writer.drain()
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.messages.append((sender, recipients, data))
                say("250 OK queued")
            elif verb == "QUIT":
                say("221 Bye")
                await writer.drain()
                break
            else:
                say("250 OK")
            await writer.drain()
        writer.close()


async def test_a_nudge_carries_only_the_first_name_and_a_link() -> None:
    sink = SmtpSink()
    port = await sink.start()
    try:
        config = MailConfig(
            host="127.0.0.1",
            port=port,
            sender="noreply@coordination.example",
            base_url="https://coordination.example/",
        )
        await send_nudge(config, "julie@example.be", "Julie", "referral_answered")
    finally:
        await sink.stop()
    [(sender, recipients, raw)] = sink.messages
    assert sender == "noreply@coordination.example" and recipients == ["julie@example.be"]
    message = email.message_from_bytes(raw, policy=policy.default)
    body = message.get_content()
    assert message["Subject"] == "Coordination : réponse à une orientation"
    assert body.startswith("Bonjour Julie,")
    assert "https://coordination.example/boite" in body
    assert "Martin" not in body and "CISP" not in body
