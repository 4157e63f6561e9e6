"""What authors write, and what readers are served.

Authors write Markdown. We store their source (``body``) and serve ``bodyHtml``: the
source rendered by markdown-it-py (CommonMark, plus tables, strikethrough and bare
links) with raw HTML switched off — so ``<script>`` arrives as the visible text
``&lt;script&gt;`` — and then cleaned by nh3 (the Ammonia sanitiser) with an explicit
allow-list, as a second line of defence. Links keep only ``http``, ``https`` and
``mailto`` targets and always carry ``rel="nofollow ugc noopener"``; images, styles,
classes, event handlers and every other tag are dropped. The HTML is rendered when
the body is written, so reading a 1,000-reply thread renders nothing.

Limits: titles 1 to 200 characters; post bodies 1 to 20,000; reply bodies 1 to 10,000; up
to 5 tags of 1 to 30 lowercase letters, digits and hyphens; up to 5 attachment URLs,
``https`` only, at most 500 characters each, without credentials. Control characters
other than newline and tab are refused. Empty (or blank) text is ``EMPTY``; text
over its limit is ``TOO_LONG``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

from models.community import MAX_ATTACHMENTS, MAX_TAGS
from services.community.errors import E
from services.errors import DomainError

TITLE_MAX = 200
POST_BODY_MAX = 20_000
REPLY_BODY_MAX = 10_000
NOTE_MAX = 500
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
ATTACHMENT_MAX = 500

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable(["linkify", "strikethrough", "table"])
    # Images would load third-party content in readers' browsers; attachments are links.
    .disable("image")
)


def render(source: str) -> str:
    """Markdown source → HTML safe to insert into a page as it is."""
    return nh3.clean(
        _markdown.render(source),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _check_characters(value: str, field: str) -> None:
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in value):
        raise DomainError(E.INVALID, f"{field} contains control characters.", field)


def text(value: str | None, field: str, *, max_length: int) -> str:
    """Required text: trimmed, not blank, not over ``max_length``, no control characters."""
    cleaned = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        raise DomainError(E.EMPTY, f"{field} must not be empty.", field)
    if len(cleaned) > max_length:
        raise DomainError(E.TOO_LONG, f"{field} must be at most {max_length} characters.", field)
    _check_characters(cleaned, field)
    return cleaned


def optional_text(value: str | None, field: str, *, max_length: int) -> str | None:
    if value is None or not value.strip():
        return None
    return text(value, field, max_length=max_length)


def title(value: str | None) -> str:
    cleaned = text(value, "title", max_length=TITLE_MAX)
    if "\n" in cleaned or "\t" in cleaned:
        raise DomainError(E.INVALID, "title must be one line.", "title")
    return cleaned


@dataclass(frozen=True)
class Body:
    source: str
    html: str


def body(value: str | None, *, max_length: int) -> Body:
    source = text(value, "body", max_length=max_length)
    return Body(source, render(source))


def tags(values: list[str] | None) -> list[str]:
    """Lowercased, de-duplicated, in the author's order."""
    result: list[str] = []
    for raw in values or []:
        tag = raw.strip().lower()
        if not TAG_PATTERN.fullmatch(tag):
            raise DomainError(
                E.INVALID,
                "Tags are 1–30 lowercase letters, digits and hyphens, starting with a letter "
                "or digit.",
                "tags",
            )
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise DomainError(E.TOO_MANY, f"At most {MAX_TAGS} tags.", "tags")
    return result


def attachments(values: list[str] | None) -> list[str]:
    """Links to files hosted elsewhere: https only, no credentials, bounded."""
    result: list[str] = []
    for raw in values or []:
        url = raw.strip()
        if len(url) > ATTACHMENT_MAX:
            raise DomainError(
                E.TOO_LONG,
                f"Attachment URLs are at most {ATTACHMENT_MAX} characters.",
                "attachments",
            )
        try:
            parts = urlsplit(url)
            valid = (
                parts.scheme == "https"
                and bool(parts.hostname)
                and parts.username is None
                and parts.password is None
                and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url)
            )
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            valid = False
        if not valid:
            raise DomainError(E.INVALID_URL, "Attachments must be https:// links.", "attachments")
        if url not in result:
            result.append(url)
    if len(result) > MAX_ATTACHMENTS:
        raise DomainError(E.TOO_MANY, f"At most {MAX_ATTACHMENTS} attachments.", "attachments")
    return result
