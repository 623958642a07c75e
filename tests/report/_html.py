"""Small HTML readers for the report tests (standard library only)."""

from __future__ import annotations

from html.parser import HTMLParser


class Numbers(HTMLParser):
    """Every ``<span class="num" data-k=...>`` with its text."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str]] = []
        self._key: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "span" and a.get("class") == "num":
            self._key, self._text = a["data-k"], []

    def handle_endtag(self, tag):
        if tag == "span" and self._key is not None:
            self.items.append((self._key, "".join(self._text)))
            self._key = None

    def handle_data(self, data):
        if self._key is not None:
            self._text.append(data)


class Structure(HTMLParser):
    """Sections, figures, tables (caption, header cells, body rows), attributes with URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[list] = []
        self.figures: list[str] = []
        self.tables: list[dict] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()
        self.meta: list[dict] = []
        self._stack: list[str] = []
        self._text: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "br" and self._cell is not None:
            self._cell.append(" ")
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "data", "poster", "srcset") and value is not None:
                self.urls.append((tag, name, value))
        if tag == "meta":
            self.meta.append(a)
        if tag == "section" and a.get("id"):
            self.sections.append([a["id"], None])
        if tag == "h2":
            self._text = []
        if tag == "figure":
            self.figures.append(a.get("id"))
        if tag == "table":
            self.tables.append({"id": a.get("id"), "caption": "", "header": [], "rows": 0})
        if tag == "caption":
            self._text = []
        if tag == "th" and self.tables:
            self._cell = []
        if tag == "tr" and self.tables and "tbody" in self._stack:
            self.tables[-1]["rows"] += 1
        if tag not in ("br", "meta", "img", "input", "link", "path", "use", "rect", "line", "circle", "polyline",
                       "stop"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "h2" and self._text is not None:
            self.sections[-1][1] = "".join(self._text)
            self._text = None
        if tag == "caption" and self._text is not None:
            self.tables[-1]["caption"] = "".join(self._text)
            self._text = None
        if tag == "th" and self._cell is not None:
            self.tables[-1]["header"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        while self._stack and self._stack[-1] != tag:
            self._stack.pop()
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def numbers(html: str) -> list[tuple[str, str]]:
    p = Numbers()
    p.feed(html)
    return p.items


def structure(html: str) -> Structure:
    p = Structure()
    p.feed(html)
    return p


def resolve(doc, pointer: str):
    """Value at a JSON pointer (RFC 6901)."""
    node = doc
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node
