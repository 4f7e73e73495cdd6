"""JSON for requests in the shared frontier (scrapy-redis's SCHEDULER_SERIALIZER: loads, dumps).

A request's dict (Request.to_dict) is JSON but for bytes (body, header names and values: headers
are written as pairs) and the browser's page methods (scrapy-playwright's PageMethod in meta):
those are written as tagged objects. Any
other object in a request's meta is refused with the key that holds it, so it is found at once."""
from __future__ import annotations

import base64
import json
from typing import Any

_BYTES, _PAGE_METHOD = "__bytes__", "__page_method__"


def _default(obj: Any) -> Any:
    if isinstance(obj, (bytes, bytearray)):
        return {_BYTES: base64.b64encode(bytes(obj)).decode("ascii")}
    if type(obj).__name__ == "PageMethod" and type(obj).__module__.startswith("scrapy_playwright"):
        return {_PAGE_METHOD: [obj.method, list(obj.args), obj.kwargs]}
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot keep a {type(obj).__name__} in the shared frontier (crawler.requestjson): "
                    "give requests only JSON values, bytes or PageMethods in meta")


def _hook(d: dict) -> Any:
    if _BYTES in d and len(d) == 1:
        return base64.b64decode(d[_BYTES])
    if _PAGE_METHOD in d and len(d) == 1:
        from scrapy_playwright.page import PageMethod

        method, args, kwargs = d[_PAGE_METHOD]
        return PageMethod(method, *args, **kwargs)
    return d


def dumps(obj: Any) -> bytes:
    if isinstance(obj, dict) and isinstance(obj.get("headers"), dict):  # bytes names: pairs, not an object
        obj = dict(obj, headers=[[k, v] for k, v in obj["headers"].items()])
    return json.dumps(obj, default=_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return json.loads(data, object_hook=_hook)
