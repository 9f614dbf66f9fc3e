#!/usr/bin/env python3
"""Turns the statements PostgreSQL logged for one request into a pgbench script.

    capture.py LOG START END DATABASE [--var NAME=VALUE ...] [--fresh-uuids] [--keep VALUE ...]

LOG is PostgreSQL's log (log_statement = all, Debian's prefix "%m [%p] %q%u@%d "); START
and END are byte offsets taken just before and after the request. Only lines of DATABASE
are read. Each logged statement becomes one line of the script, with the parameters of a
prepared statement written in as literals, so the script runs exactly what the server ran.

--var NAME=VALUE  a literal that must differ on each run (a number, initials, an email)
                  becomes the pgbench variable :NAME, which the caller sets.
--fresh-uuids     every whole UUID literal (but those after --keep) becomes :u1, :u2, …,
                  drawn anew on each run by one SELECT at the top of the script (that
                  SELECT is the only statement the server did not send).
The caller starts the server with long poll intervals, so that no background worker's
statement falls between the offsets.
Prints the script; writes "statements N" to stderr.
"""

import argparse
import re
import sys

LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (\S*)@(\S*) (LOG|DETAIL):  (.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
UUID = re.compile(r"'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'")



def entries(text, database):
    """(kind, text) of each log entry of `database`, continuation lines joined."""
    current = None
    for raw in text.splitlines():
        match = LINE.match(raw)
        if match:
            if current:
                yield current
            _, _, db, kind, rest = match.groups()
            current = (kind, rest) if db == database else None
        elif current and raw.startswith("\t"):
            current = (current[0], current[1] + "\n" + raw[1:])
    if current:
        yield current


def statements(text, database):
    """The statements in order, their parameters written in."""
    pending = None
    for kind, body in entries(text, database):
        if kind == "LOG":
            if pending is not None:
                yield pending
            match = STATEMENT.match(body)
            pending = match.group(1).strip() if match else None
        elif kind == "DETAIL" and pending is not None and body.startswith("parameters: "):
            values = dict(PARAMETER.findall(body))
            pending = re.sub(
                r"\$(\d+)\b", lambda m: values.get(m.group(1), m.group(0)), pending
            )
    if pending is not None:
        yield pending


LITERAL = re.compile(r"'(?:[^']|'')*'")


def hide_colons(sql):
    """pgbench -M prepared reads every ':name' as a variable, even inside a string literal
    (a time '10:43', JSON '"version":2'): such literals become E'' strings with ':' as
    the escape \\072, which PostgreSQL reads back as the same text."""

    def escape(match):
        literal = match.group(0)
        if not re.search(r":\w", literal):
            return literal
        body = literal[1:-1].replace("\\", "\\\\").replace(":", "\\072")
        return "E'" + body + "'"

    return LITERAL.sub(escape, sql)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("start", type=int)
    parser.add_argument("end", type=int)
    parser.add_argument("database")
    parser.add_argument("--var", action="append", default=[])
    parser.add_argument("--keep", action="append", default=[])
    parser.add_argument("--fresh-uuids", action="store_true")
    args = parser.parse_args()

    with open(args.log, "rb") as log:
        log.seek(args.start)
        text = log.read(args.end - args.start).decode("utf-8", "replace")

    found = list(statements(text, args.database))
    variables = [v.split("=", 1) for v in args.var]
    fresh = {}
    lines = []
    for sql in found:
        for name, value in variables:
            sql = sql.replace("'" + value.replace("'", "''") + "'", ":" + name)
        if args.fresh_uuids:

            def name_of(match):
                literal = match.group(0)
                if literal.strip("'") in args.keep:
                    return literal
                return ":" + fresh.setdefault(literal, "u%d" % (len(fresh) + 1))

            sql = UUID.sub(name_of, sql)
        lines.append(hide_colons(" ".join(sql.split())) + ";")
    if fresh:
        columns = ", ".join(
            "gen_random_uuid()::text AS %s" % name for name in fresh.values()
        )
        lines.insert(0, "SELECT %s \\gset" % columns)
    print("\n".join(lines))
    print("statements %d" % len(found), file=sys.stderr)


if __name__ == "__main__":
    main()
