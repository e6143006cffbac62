"""One chat call to an OpenAI-compatible endpoint, shared by every caller that writes with a
model (the insights backend, the gold theme namer).

The SDK's own retries are off so every HTTP attempt is counted: 429, 408/409, 5xx, timeouts
and connection errors are retried here with exponential backoff (or the server's
Retry-After), capped so one call cannot stall a task. A reply without usable text is not a
transport failure: it comes back as (maybe empty) content with a note, so the caller checks
and repairs it like any malformed answer. The API key comes from the environment variable
named in the settings and is scrubbed from every error and log line written here; callers
scrub what they keep with ``scrub``."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from feedback_lakehouse.config.settings import OpenAISettings
from feedback_lakehouse.errors import ConfigError
from feedback_lakehouse.llm.calls import CallRecord

log = logging.getLogger(__name__)

NO_KEY = "not-needed"  # local servers (Ollama, vLLM) ignore the key but the SDK wants one
TRACE_CHARS = 20_000  # of a request or response kept in a CallRecord
DETAIL_CHARS = 500  # of a server error message
MAX_WAIT_S = 60.0  # cap on a backoff or Retry-After wait, so one call cannot stall a task
RETRY_STATUS = frozenset({408, 409, 429})  # plus every 5xx


@dataclass
class ChatResult:
    """The outcome of one logical call (all its HTTP attempts): ``content`` is None only
    when no reply came; ``error`` says why, or why the reply may be unusable."""

    content: str | None = None
    attempts: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    error: str | None = None


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``Retry-After`` as seconds
    or an HTTP date), or None."""
    headers = exc.response.headers
    try:
        if ms := headers.get("retry-after-ms"):
            return float(ms) / 1000
        if value := headers.get("retry-after"):
            try:
                return float(value)
            except ValueError:
                return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _retryable(exc: openai.OpenAIError) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


def _describe(exc: openai.OpenAIError) -> str:
    """Status and the server's own message (not the SDK's wrapper, not a proxy's whole
    HTML page)."""
    if isinstance(exc, openai.APIStatusError):
        body = exc.body
        detail = body.get("message") if isinstance(body, dict) else None
        return f"HTTP {exc.status_code}: {str(detail or exc.message)[:DETAIL_CHARS]}"
    if isinstance(exc, openai.APITimeoutError):
        return "request timed out"
    return f"{type(exc).__name__}: {exc}"


class ChatClient:
    """The transport: key, SDK client, retries, reading the reply. ``purpose`` is the
    setting key of the caller, so a missing key names what needed it."""

    def __init__(
        self,
        settings: OpenAISettings,
        environ: Mapping[str, str] | None = None,
        purpose: str = "insights.openai",
    ) -> None:
        env = os.environ if environ is None else environ
        key = env.get(settings.api_key_env, "").strip()
        if not key:
            if settings.base_url is None:
                env_var = settings.api_key_env
                raise ConfigError(
                    f"{purpose}: environment variable {env_var} is not set, and the settings "
                    "key insights.openai.api_key_env names it as the one holding the API key: "
                    f"export {env_var}=<your API key>, or set insights.openai.api_key_env to "
                    "the variable that holds it (or insights.openai.base_url for a local "
                    "server that needs no key)"
                )
            key = NO_KEY
        self.settings = settings
        self.purpose = purpose
        self._secret = key if key != NO_KEY else None
        self._client = openai.OpenAI(
            api_key=key, base_url=settings.base_url, timeout=settings.timeout_s, max_retries=0
        )

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"ChatClient(model={s.model!r}, base_url={s.base_url!r}, "
            f"api_key_env={s.api_key_env!r}, purpose={self.purpose!r})"
        )

    def post(self, messages: list[dict[str, str]], response_format: dict[str, Any]) -> ChatResult:
        """POST until a reply, a non-retryable error or ``max_retries`` retries."""
        s = self.settings
        call = ChatResult()
        for attempt in range(s.max_retries + 1):
            call.attempts = attempt + 1
            try:
                completion = self._client.chat.completions.create(
                    model=s.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=s.temperature,
                    max_tokens=s.max_tokens,
                    response_format=response_format,  # type: ignore[arg-type]
                )
            except openai.OpenAIError as exc:
                call.error = self.scrub(_describe(exc))
                if not _retryable(exc) or attempt == s.max_retries:
                    log.warning(
                        "openai call gave up after %d attempt(s): %s", call.attempts, call.error
                    )
                    return call
                wait = self._wait(attempt, exc)
                log.info(
                    "openai call: %s; retry %d/%d in %.2fs",
                    call.error,
                    attempt + 1,
                    s.max_retries,
                    wait,
                )
                time.sleep(wait)
                continue
            return _read(completion, call)
        return call

    def record(
        self, keys: list[str], prompt_version: str, messages: list[dict[str, str]],
        call: ChatResult, span: tuple[int, int], status: str, error: str,
    ) -> CallRecord:  # fmt: skip
        """One logical call as kept for accounting and its trace: prompt and reply truncated,
        the key scrubbed from everything. ``span``: start and end in ns since the epoch."""
        return CallRecord(
            call_id=uuid.uuid4().hex,
            backend="openai",
            model=self.settings.model,
            prompt_version=prompt_version,
            keys=keys,
            started_ns=span[0],
            ended_ns=span[1],
            status=status,  # type: ignore[arg-type]
            attempts=call.attempts,
            tokens_in=call.tokens_in,
            tokens_out=call.tokens_out,
            request=self.scrub(json.dumps(messages, ensure_ascii=False))[:TRACE_CHARS],
            response=self.scrub(call.content or "")[:TRACE_CHARS],
            error=self.scrub(error)[:TRACE_CHARS] or None,
        )

    def scrub(self, text: str) -> str:
        """Remove the API key from text we keep or show (an error body may echo it)."""
        return text.replace(self._secret, "***") if self._secret and text else text

    def _wait(self, attempt: int, exc: openai.OpenAIError) -> float:
        """Exponential backoff, or the server's Retry-After when it gives one; capped."""
        wait = self.settings.backoff_s * 2**attempt
        if isinstance(exc, openai.APIStatusError) and (asked := _retry_after(exc)) is not None:
            wait = asked
        return min(max(wait, 0.0), MAX_WAIT_S)


def _read(completion: ChatCompletion, call: ChatResult) -> ChatResult:
    """Tokens and the message text. A reply without usable text keeps ``content`` a string
    (maybe empty) with a note in ``error``, so it is checked and repaired like any malformed
    answer rather than retried as a transport failure."""
    if completion.usage is not None:
        call.tokens_in = completion.usage.prompt_tokens or 0
        call.tokens_out = completion.usage.completion_tokens or 0
    call.error = None
    if not completion.choices:
        call.content, call.error = "", "reply has no choices"
        return call
    choice = completion.choices[0]
    call.content = choice.message.content or ""
    if choice.message.refusal:
        call.error = f"the model refused: {choice.message.refusal}"
    elif choice.finish_reason == "length":
        call.error = "reply cut off at max_tokens (raise insights.openai.max_tokens)"
    elif not call.content:
        call.error = f"empty reply (finish_reason {choice.finish_reason})"
    return call
