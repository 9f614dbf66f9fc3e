#!/usr/bin/env python3
"""Contract lint for the OpenAPI document: the rules our clients rely on.

    python3 contract/lint.py [openapi/openapi.json] [--served http://127.0.0.1:8080]

Every operation must have:
  - an operationId (unique in the document) and a summary;
  - at least one tag, each declared in the document's top-level `tags`;
  - security: a non-empty requirement naming declared schemes, or -- only on the public
    routes of the design (/auth/token, /health/*, /metrics, /api-docs/*, /swagger-ui/*,
    /help/*, /poa/*) -- an explicit public marking: `security: []` or `security: [{}]`;
    a secured operation declares 401, a public one does not;
  - a schema for every media type of its request body;
  - a schema for every media type of every response with a body (204/304 have none);
  - at least one example on a 2xx response (`example`/`examples` on the media type, or on
    the response schema itself);
  - every 4xx response as `application/problem+json` (and nothing else).
Every path parameter in the template is declared.

With --served, the document the server serves at /api-docs/openapi.json must equal the file.

Prints one line per violation and exits 1 if there is any.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from fnmatch import fnmatch
from pathlib import Path

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PUBLIC_PATHS = (
    "/auth/token",
    "/auth/password-reset",
    "/auth/password-reset/*",
    "/health/*",
    "/metrics",
    "/api-docs/*",
    "/swagger-ui/*",
    "/help/*",
    "/poa/*",
)
PROBLEM = "application/problem+json"
NO_BODY = {"204", "304"}


class Doc:
    def __init__(self, data: dict):
        self.data = data

    def resolve(self, node, seen=None):
        """Follow local $refs (#/...) until a node without one."""
        seen = seen or set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return node
            seen.add(ref)
            target = self.data
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return None
                target = target[part]
            node = target
        return node


def is_public_path(path: str) -> bool:
    return any(path == p or fnmatch(path, p) for p in PUBLIC_PATHS)


def has_example(doc: Doc, media: dict) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    schema = doc.resolve(media.get("schema"))
    return isinstance(schema, dict) and (schema.get("example") is not None or bool(schema.get("examples")))


def lint(data: dict) -> list[str]:
    doc = Doc(data)
    out: list[str] = []
    if not str(data.get("openapi", "")).startswith("3.1"):
        out.append(f"document: openapi is {data.get('openapi')!r}, expected 3.1.x")
    declared_tags = {t.get("name") for t in data.get("tags", [])}
    schemes = set((data.get("components") or {}).get("securitySchemes", {}) or {})
    global_security = data.get("security")
    op_ids: dict[str, str] = {}

    for path, item in (data.get("paths") or {}).items():
        item = doc.resolve(item) or {}
        path_level_params = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"

            def bad(msg: str) -> None:
                out.append(f"{where}: {msg}")

            # identity and docs
            op_id = op.get("operationId")
            if not op_id:
                bad("no operationId")
            elif op_id in op_ids:
                bad(f"operationId {op_id!r} is also used by {op_ids[op_id]}")
            else:
                op_ids[op_id] = where
            if not (op.get("summary") or "").strip():
                bad("no summary")
            tags = op.get("tags") or []
            if not tags:
                bad("no tag")
            for tag in tags:
                if tag not in declared_tags:
                    bad(f"tag {tag!r} is not declared in the document's tags")

            # security
            security = op.get("security", global_security)
            public = is_public_path(path)
            if security is None:
                bad("no security (and no explicit public marking `security: []`)")
            else:
                marked_public = security == [] or any(req == {} for req in security)
                if public and not marked_public:
                    bad("a public route of the design, but its security does not allow anonymous access")
                if not public and marked_public:
                    bad(f"marked public (security {json.dumps(security)}) but the design requires a token here")
                for req in security:
                    for name in req:
                        if name not in schemes:
                            bad(f"security names an undeclared scheme {name!r}")
            responses = op.get("responses") or {}
            if security and not (security == [] or any(req == {} for req in security)):
                if "401" not in responses:
                    bad("secured, but 401 is not declared")

            # parameters
            params = [doc.resolve(p) or {} for p in path_level_params + op.get("parameters", [])]
            declared_path_params = {p.get("name") for p in params if p.get("in") == "path"}
            for name in re.findall(r"{([^}]+)}", path):
                if name not in declared_path_params:
                    bad(f"path parameter {name!r} is not declared")
            for p in params:
                if "schema" not in p and "content" not in p:
                    bad(f"parameter {p.get('name')!r} has no schema")

            # request body
            if "requestBody" in op:
                body = doc.resolve(op["requestBody"]) or {}
                content = body.get("content") or {}
                if not content:
                    bad("request body without content")
                for mt, media in content.items():
                    if not (media or {}).get("schema"):
                        bad(f"request body {mt} has no schema")

            # responses
            if not responses:
                bad("no responses")
            two_xx = [c for c in responses if c.startswith("2")]
            if not two_xx:
                bad("no 2xx response")
            example_found = False
            two_xx_with_body = False
            for code, resp in responses.items():
                resp = doc.resolve(resp) or {}
                content = resp.get("content") or {}
                if not (resp.get("description") or "").strip():
                    bad(f"response {code} has no description")
                if code in NO_BODY:
                    if content:
                        bad(f"response {code} declares a body")
                    continue
                if not content:
                    bad(f"response {code} has no content (no schema)")
                for mt, media in content.items():
                    media = media or {}
                    if not media.get("schema"):
                        bad(f"response {code} {mt} has no schema")
                    if code.startswith("2"):
                        two_xx_with_body = True
                        if has_example(doc, media):
                            example_found = True
                if code.startswith("4"):
                    if PROBLEM not in content:
                        bad(f"response {code} is not {PROBLEM} (has {sorted(content) or 'no content'})")
                    others = sorted(mt for mt in content if mt != PROBLEM)
                    if others and PROBLEM in content:
                        bad(f"response {code} also declares {others}")
            if two_xx_with_body and not example_found:
                bad(f"no example on its 2xx response ({', '.join(two_xx)})")
    return out


def served_differences(data: dict, base_url: str) -> list[str]:
    url = base_url.rstrip("/") + "/api-docs/openapi.json"
    with urllib.request.urlopen(url, timeout=10) as resp:
        served = json.load(resp)
    if served == data:
        return []
    diffs: list[str] = []

    def walk(a, b, where):
        if len(diffs) >= 20:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in a:
                    diffs.append(f"served document: {where}/{k} only in the served document")
                elif k not in b:
                    diffs.append(f"served document: {where}/{k} missing from the served document")
                else:
                    walk(a[k], b[k], f"{where}/{k}")
        elif a != b:
            diffs.append(f"served document: {where or '/'} differs from the committed file")

    walk(data, served, "")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("document", nargs="?", default=str(Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"))
    ap.add_argument("--served", metavar="BASE_URL", help="also compare with BASE_URL/api-docs/openapi.json")
    args = ap.parse_args()
    data = json.loads(Path(args.document).read_text(encoding="utf-8"))
    violations = lint(data)
    if args.served:
        violations += served_differences(data, args.served)
    ops = sum(1 for item in (data.get("paths") or {}).values() for m in METHODS if m in item)
    for v in violations:
        print(v)
    print(f"contract lint: {ops} operations, {len(violations)} violations")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
