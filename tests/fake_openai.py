"""A local OpenAI-compatible chat endpoint for tests: stdlib ``http.server`` on 127.0.0.1,
so the real SDK, real HTTP, real timeouts and real status codes are exercised without the
network. Each test scripts the replies it needs (``Step``); when the script runs out, the
server answers like a well-behaved model (``good_answers``) for the keys it was sent."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY_RE = re.compile(r"^<<<FRAGMENT key=(\S+)>>>$", re.MULTILINE)

Content = str | Callable[[list[str]], str]


@dataclass
class Step:
    """One scripted reply. ``content`` is the assistant message (text, or a function of the
    requested keys); a ``status`` other than 200 sends ``error`` as an OpenAI error body."""

    content: Content | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    error: str = "scripted error"
    usage: tuple[int, int] = (100, 20)


@dataclass
class Seen:
    """One request as the server received it."""

    body: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def keys(self) -> list[str]:
        return KEY_RE.findall(self.user)

    @property
    def user(self) -> str:
        return "\n".join(m["content"] for m in self.body["messages"] if m["role"] == "user")


def answer(key: str, **overrides: Any) -> dict[str, Any]:
    """A valid wire answer for ``key`` (labels from conf/taxonomy.yml); override any field."""
    out: dict[str, Any] = {
        "key": key,
        "category": "bug",
        "product_area": "auth",
        "feedback_type": "bug_report",
        "severity": "high",
        "sub_theme": "sso login loop",
        "confidence": 0.8,
        "risk": {
            "churn_signal": False,
            "competitor": None,
            "renewal_concern": False,
            "escalation_risk": False,
        },
        "evidence": [],
        "hypotheses": [],
        "abstain_reason": "no candidate fits",
    }
    out.update(overrides)
    return out


def good_answers(keys: list[str]) -> str:
    return json.dumps({"answers": [answer(k) for k in keys]})


class FakeOpenAI:
    """The server: ``steps`` is consumed one per request, in arrival order; ``default``
    answers once they run out."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.default = Step()
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def _next(self, seen: Seen) -> Step:
        with self._lock:
            self.seen.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.steps.pop(0) if self.steps else self.default

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}}, {})
                    return
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                seen = Seen(json.loads(raw), dict(self.headers.items()), time.monotonic())
                step = fake._next(seen)
                try:
                    time.sleep(step.delay_s)
                finally:
                    # Out of flight before the answer is written: a client that reads it can
                    # send its next request at once, and must not be counted twice.
                    fake._done()
                # a client that gave up (timeout) needs no answer
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._reply(step, seen)

            def _reply(self, step: Step, seen: Seen) -> None:
                if step.status != 200:
                    body = {"error": {"message": step.error, "type": "scripted", "code": None}}
                    self._send(step.status, body, step.headers)
                    return
                content = step.content if step.content is not None else good_answers
                text = content(seen.keys) if callable(content) else content
                prompt, completion = step.usage
                body = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": seen.body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                }
                self._send(200, body, step.headers)

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def client_settings(server: FakeOpenAI, api_key_env: str, **overrides: Any) -> Any:
    """``OpenAISettings`` pointing at ``server``, with short timeouts and backoff so retry
    tests stay fast; any field can be overridden."""
    from feedback_lakehouse.config.settings import OpenAISettings

    options: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "fake-model",
        "api_key_env": api_key_env,
        "timeout_s": 2.0,
        "max_retries": 2,
        "backoff_s": 0.01,
        "batch_size": 8,
        "concurrency": 2,
    }
    return OpenAISettings(**(options | overrides))
