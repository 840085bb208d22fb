"""Helpers of the generic form tests: read a rendered form as a browser would and send it back.

A browser submits every successful control of the form: text-like inputs with their value
attribute, checked checkboxes and radios (value, "on" when absent), every select's selected
options (the first option of a single select when none is marked), textareas with their text —
whose line breaks it sends as CRLF. Disabled controls and buttons without a name are left out.
"""
from __future__ import annotations

from html.parser import HTMLParser

_SKIP_TYPES = {"submit", "button", "reset", "image", "file"}


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if a.get("id") == self.form_id:
                self.inside = True
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in _SKIP_TYPES:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            s = self._select
            chosen = [o for o in s["options"] if o["selected"]]
            if not chosen and not s["multiple"] and s["options"]:
                chosen = s["options"][:1]
            self.fields.extend((s["name"], o["value"]) for o in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            # a browser drops the line break that opens a textarea (WTForms writes one)
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")  # browsers send CRLF
            self.fields.append((self._textarea["name"], text))
            self._textarea = None

    def _close_option(self):
        o = self._option
        if o is None:
            return
        if o["value"] is None:
            o["value"] = o["text"].strip()
        self._select["options"].append(o)
        self._option = None


def read_form(html: str, form_id: str = "model_form") -> list[tuple[str, str]]:
    """The (name, value) pairs the browser would post for the form ``form_id``."""
    reader = _FormReader(form_id)
    reader.feed(html)
    reader.close()
    return reader.fields  # the parser has already resolved entities


def input_values(html: str, form_id: str = "model_form") -> dict[str, str]:
    """name -> the value the form shows (first one for repeated names)."""
    out: dict[str, str] = {}
    for name, value in read_form(html, form_id):
        out.setdefault(name, value)
    return out


def alerts(html: str) -> list[str]:
    """The texts of the page's error messages (flashed alerts and field errors)."""
    import re

    found = re.findall(r'<div class="alert alert-danger">(.*?)</div>', html, re.S)
    found += re.findall(r'<span class="help-block">\s*<ul[^>]*>(.*?)</ul>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found]
