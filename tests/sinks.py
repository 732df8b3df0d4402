"""Real endpoints on 127.0.0.1 that record what arrives: an HTTP webhook sink and an SMTP sink."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookSink:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """A minimal SMTP server: enough of the protocol for smtplib.send_message, one message per DATA."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        stream = conn.makefile("rb")
        conn.sendall(b"220 sink\r\n")
        while line := stream.readline():
            command = line.strip().upper()
            if command.startswith(b"DATA"):
                conn.sendall(b"354 go on\r\n")
                data = []
                while (chunk := stream.readline()) not in (b".\r\n", b".\n", b""):
                    data.append(chunk)
                self.messages.append(b"".join(data).decode("utf-8", "replace"))
                conn.sendall(b"250 ok\r\n")
            elif command.startswith(b"QUIT"):
                conn.sendall(b"221 bye\r\n")
                break
            elif command.startswith((b"EHLO", b"HELO")):
                conn.sendall(b"250 sink\r\n")
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()

    def close(self) -> None:
        self.listener.close()
