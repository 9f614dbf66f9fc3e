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

Across the document:
  - every example (a schema's `example`/`examples`, a media type's, a parameter's or a
    header's `example`/`examples`) is valid against its own schema, `$ref`s resolved, as
    JSON Schema 2020-12 reads it (formats asserted);
  - every string a client sends (a parameter, a request header, a request body's property,
    at any depth) is bounded: `maxLength`, an enumeration, a bounded format (uuid, date,
    date-time), or a pattern anchored at both ends with no unbounded repetition;
  - an operation that takes an `Idempotency-Key` documents 409 with an example of
    `idempotency_key_in_flight` and a `Retry-After` header;
  - every 429 response documents `Retry-After`;
  - a page of a list (`Page_<Item>`) refers to its item by `$ref`, so a generated client has
    one type per object.

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


# --- examples ----------------------------------------------------------------------------

# The keywords of JSON Schema 2020-12 whose values are schemas, or maps or lists of them.
SCHEMA_VALUED = ("additionalProperties", "items", "not", "if", "then", "else", "contains",
                 "propertyNames", "unevaluatedProperties", "unevaluatedItems")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def subschemas(schema: dict, pointer: str):
    """Every schema directly inside `schema`, with its JSON pointer."""
    for key in SCHEMA_VALUED:
        if isinstance(schema.get(key), dict):
            yield schema[key], f"{pointer}/{key}"
    for key in SCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            if isinstance(sub, dict):
                yield sub, f"{pointer}/{key}/{escape(name)}"
    for key in SCHEMA_LISTS:
        for i, sub in enumerate(schema.get(key) or []):
            if isinstance(sub, dict):
                yield sub, f"{pointer}/{key}/{i}"


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def examples_with_schemas(doc: Doc):
    """(where, example, pointer of its schema) for every example in the document."""
    data = doc.data
    found = []

    def in_schema(schema, pointer):
        if not isinstance(schema, dict):
            return
        if "example" in schema:
            found.append((f"{pointer}/example", schema["example"], pointer))
        for i, value in enumerate(schema.get("examples") or [] if isinstance(schema.get("examples"), list) else []):
            found.append((f"{pointer}/examples/{i}", value, pointer))
        for sub, where in subschemas(schema, pointer):
            in_schema(sub, where)

    def holder(node, pointer):
        """A media type, parameter or header: its schema and its own examples."""
        node = doc.resolve(node)
        if not isinstance(node, dict):
            return
        schema_pointer = f"{pointer}/schema"
        if isinstance(node.get("schema"), dict):
            in_schema(node["schema"], schema_pointer)
            if "example" in node:
                found.append((f"{pointer}/example", node["example"], schema_pointer))
            for name, example in (node.get("examples") or {}).items():
                example = doc.resolve(example) or {}
                if "value" in example:
                    found.append((f"{pointer}/examples/{escape(name)}", example["value"], schema_pointer))
        for name, media in (node.get("content") or {}).items():
            holder(media, f"{pointer}/content/{escape(name)}")

    def operation(op, pointer):
        for i, parameter in enumerate(op.get("parameters") or []):
            holder(parameter, f"{pointer}/parameters/{i}")
        if "requestBody" in op:
            holder(op["requestBody"], f"{pointer}/requestBody")
        for code, response in (op.get("responses") or {}).items():
            response_pointer = f"{pointer}/responses/{code}"
            if isinstance(response, dict) and "$ref" in response:
                continue  # checked once, under components
            holder(response, response_pointer)
            for name, header in (response.get("headers") or {}).items():
                holder(header, f"{response_pointer}/headers/{escape(name)}")

    for section in ("paths", "webhooks"):
        for path, item in (data.get(section) or {}).items():
            item_pointer = f"/{section}/{escape(path)}"
            for i, parameter in enumerate(item.get("parameters") or []):
                holder(parameter, f"{item_pointer}/parameters/{i}")
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    operation(item[method], f"{item_pointer}/{method}")
    components = data.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        in_schema(schema, f"/components/schemas/{escape(name)}")
    for kind in ("parameters", "headers", "requestBodies"):
        for name, node in (components.get(kind) or {}).items():
            holder(node, f"/components/{kind}/{escape(name)}")
    for name, response in (components.get("responses") or {}).items():
        pointer = f"/components/responses/{escape(name)}"
        holder(response, pointer)
        for header_name, header in (response.get("headers") or {}).items():
            holder(header, f"{pointer}/headers/{escape(header_name)}")
    return found


def example_violations(data: dict) -> list[str]:
    try:
        import jsonschema
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:
        return ["examples: the Python package `jsonschema` is missing (contract/install installs it)"]
    base = "urn:selvbetjening:openapi"
    registry = Registry().with_resource(base, Resource(contents=data, specification=DRAFT202012))
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    out = []
    for where, example, schema_pointer in examples_with_schemas(Doc(data)):
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{base}#{schema_pointer}"}, registry=registry, format_checker=checker
        )
        errors = sorted(validator.iter_errors(example), key=lambda e: list(e.absolute_path))
        for error in errors[:3]:
            at = "/" + "/".join(escape(str(p)) for p in error.absolute_path)
            out.append(f"example {where}: at {at}: {error.message[:200]}")
        if len(errors) > 3:
            out.append(f"example {where}: and {len(errors) - 3} more errors")
    return out


# --- bounded request strings -----------------------------------------------------------

BOUNDED_FORMATS = {"uuid", "date", "date-time"}


def pattern_is_bounded(pattern: str) -> bool:
    """Anchored at both ends, no alternation outside a group, and no unbounded repetition
    (`*`, `+`, `{n,}`) outside a character class."""
    if not (pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")):
        return False
    i, depth, in_class = 1, 0, False
    while i < len(pattern) - 1:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        elif c in "*+":
            return False
        elif c == "{" and re.match(r"\{\d*,\}", pattern[i:]):
            return False
        i += 1
    return True


def is_string(schema: dict) -> bool:
    t = schema.get("type")
    return t == "string" or (isinstance(t, list) and "string" in t)


def string_is_bounded(schema: dict) -> bool:
    return ("maxLength" in schema or "enum" in schema or "const" in schema
            or schema.get("format") in BOUNDED_FORMATS
            or pattern_is_bounded(schema.get("pattern") or ""))


def unbounded_strings(doc: Doc, schema, where: str, seen: frozenset = frozenset()):
    """`where` of every string inside `schema` that is not bounded, `$ref`s followed."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            return
        yield from unbounded_strings(doc, doc.resolve(schema), where, seen | {ref})
        return
    if is_string(schema) and not string_is_bounded(schema):
        yield where
    for sub, pointer in subschemas(schema, ""):
        parts = pointer.split("/")
        step = "/" + unescape(parts[-1]) if parts[1] in SCHEMA_MAPS[:1] else ""
        yield from unbounded_strings(doc, sub, where + step, seen)


def unbounded_request_strings(data: dict) -> list[str]:
    doc = Doc(data)
    out = []
    for path, item in (data.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            where = f"{method.upper()} {path}"
            for parameter in (item.get("parameters") or []) + (op.get("parameters") or []):
                parameter = doc.resolve(parameter) or {}
                label = f"{parameter.get('in')} parameter {parameter.get('name')!r}"
                for at in unbounded_strings(doc, parameter.get("schema"), label):
                    out.append(f"{where}: {at}: a request string without maxLength (or a bounding pattern, enum or format)")
            body = doc.resolve(op.get("requestBody")) or {}
            for mt, media in (body.get("content") or {}).items():
                for at in unbounded_strings(doc, (media or {}).get("schema"), f"request body {mt} "):
                    out.append(f"{where}: {at.rstrip() or 'the body'}: a request string without maxLength (or a bounding pattern, enum or format)")
    return out


# --- retries and pages -----------------------------------------------------------------

IN_FLIGHT = "idempotency_key_in_flight"


def problem_example_codes(doc: Doc, response: dict) -> set:
    media = (response.get("content") or {}).get(PROBLEM) or {}
    values = [media.get("example")] + [
        (doc.resolve(e) or {}).get("value") for e in (media.get("examples") or {}).values()
    ]
    return {v.get("code") for v in values if isinstance(v, dict)}


def retry_violations(data: dict) -> list[str]:
    doc = Doc(data)
    out = []
    for path, item in (data.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            where = f"{method.upper()} {path}"
            responses = op.get("responses") or {}
            parameters = [doc.resolve(p) or {} for p in (item.get("parameters") or []) + (op.get("parameters") or [])]
            takes_key = any(p.get("in") == "header" and str(p.get("name")).lower() == "idempotency-key"
                            for p in parameters)
            if takes_key:
                conflict = doc.resolve(responses.get("409"))
                if not isinstance(conflict, dict):
                    out.append(f"{where}: takes an Idempotency-Key, but 409 ({IN_FLIGHT}) is not declared")
                else:
                    if IN_FLIGHT not in problem_example_codes(doc, conflict):
                        out.append(f"{where}: takes an Idempotency-Key, but its 409 has no example of {IN_FLIGHT!r}")
                    if not has_header(conflict, "Retry-After"):
                        out.append(f"{where}: takes an Idempotency-Key, but its 409 does not declare Retry-After")
            too_many = doc.resolve(responses.get("429"))
            if isinstance(too_many, dict) and not has_header(too_many, "Retry-After"):
                out.append(f"{where}: 429 does not declare Retry-After")
    return out


def has_header(response: dict, name: str) -> bool:
    return any(h.lower() == name.lower() for h in (response.get("headers") or {}))


def page_violations(data: dict) -> list[str]:
    schemas = (data.get("components") or {}).get("schemas") or {}
    out = []
    for name, page in schemas.items():
        if not name.startswith("Page_"):
            continue
        item = name[len("Page_"):]
        items = ((page.get("properties") or {}).get("items") or {}).get("items")
        expected = {"$ref": f"#/components/schemas/{item}"}
        if item not in schemas:
            out.append(f"schema {name}: its item schema {item!r} is not a component")
        elif items != expected:
            out.append(f"schema {name}: items are not {json.dumps(expected)} (an inline copy of the item)")
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
    violations += example_violations(data)
    violations += unbounded_request_strings(data)
    violations += retry_violations(data)
    violations += page_violations(data)
    if args.served:
        violations += served_differences(data, args.served)
    ops = sum(1 for item in (data.get("paths") or {}).values() for m in METHODS if m in item)
    for v in violations:
        print(v)
    print(f"contract lint: {ops} operations, {len(violations)} violations")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
