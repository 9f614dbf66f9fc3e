#!/usr/bin/env python3
"""Loads confirmed orders and their subscriptions straight into a migrated database, for
the scale runs of bench/run: not through the API, which would take hours for a million.

    load.py DATABASE_URL COMPANY_ID N [--others K]

COMPANY_ID gets N subscriptions; K other companies (created here) get N / K each, so the
company is one among many and every index holds other companies' rows too. Each row is
one the API reads back: a Luhn-valid ICCID (issuer 11, so none collides with issued
cards), initials that are unique in their company, a sign-in address, a JSON document of
details. Names repeat as real ones do: one row in 30 is a "Jensen", one in 100 000 a
"Zebrowski" (the rare search). PostgreSQL is fed by psql's COPY, SQLite by its module.
"""

import argparse
import io
import json
import sqlite3
import subprocess
import uuid

FIRST = ["Anne", "Peter", "Mette", "Lars", "Sofie", "Jens", "Ida", "Mads", "Freja", "Niels"]
LAST = ["Hansen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
        "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
        "Mikkelsen", "Frederiksen", "Laursen", "Henriksen", "Lund", "Holm", "Schmidt",
        "Eriksen", "Jensen"]
RARE_EVERY = 100_000
PLANS = [("ERHVERV_S", "DATA_10"), ("ERHVERV_M", "DATA_50"), ("ERHVERV_L", "DATA_100")]
STAMP = "2026-01-05 09:00:00"


def luhn(body):
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def initials(i):
    letters = ""
    for _ in range(5):
        letters = chr(ord("A") + i % 26) + letters
        i //= 26
    return "L" + letters


def rows(company, domain, first_serial, count):
    """(order, subscription, claim) tuples for `count` subscriptions of `company`."""
    for i in range(count):
        serial = first_serial + i
        order_id, sub_id = str(uuid.uuid4()), str(uuid.uuid4())
        letters = initials(i)
        last = "Zebrowski" if i % RARE_EVERY == RARE_EVERY // 2 else LAST[i % len(LAST)]
        name = "%s %s" % (FIRST[(i // len(LAST)) % len(FIRST)], last)
        email = "%s@%s" % (letters.lower(), domain)
        plan, package = PLANS[i % len(PLANS)]
        number = "+45%08d" % (30_000_000 + serial)
        body = "8945%02d%012d" % (11, serial)
        employee = json.dumps({"name": name, "title": "Konsulent", "email": email,
                               "cost_center": None}, ensure_ascii=False)
        details = json.dumps({"title": "Konsulent", "email": email, "cost_center": None,
                              "uc_account": email}, ensure_ascii=False)
        yield (
            (order_id, company, "confirmed", 2, plan, package, 1, employee, letters, number,
             None, STAMP, STAMP, STAMP, sub_id),
            (sub_id, company, order_id, "active", 1, plan, package, 1, name, letters, number,
             details, body + luhn(body), None, STAMP, STAMP),
            (company, letters, sub_id, None),
        )


ORDERS = ("orders", "id, company_id, status, version, plan_code, mobile_package_code, "
          "data_sharing_cards, employee, initials, number, port, expires_at, created_at, "
          "updated_at, subscription_id")
SUBSCRIPTIONS = ("subscriptions", "id, company_id, order_id, status, version, plan_code, "
                 "mobile_package_code, data_sharing_cards, employee_name, initials, number, "
                 "details, iccid, terminates_on, created_at, updated_at")
CLAIMS = ("initials_claims", "company_id, initials, holder_id, expires_at")


def cvr(k):
    """The k-th valid CVR number from 9000000x on: weights 2765432 and a check digit."""
    base = 9_000_000 + k * 3
    while True:
        digits = [int(d) for d in "%07d" % base]
        total = sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits))
        check = (11 - total % 11) % 11
        if check < 10:
            return "%07d%d" % (base, check)
        base += 1


def companies(url, company, others):
    """The company's email domain and `others` new companies: [(id, domain)]."""
    made = [(str(uuid.uuid4()), "firma%d.example" % k, cvr(k)) for k in range(others)]
    inserts = "".join(
        "INSERT INTO companies (id, cvr, name, email_domain, created_at) "
        "VALUES ('%s', '%s', 'Firma %d ApS', '%s', '%s');" % (c, cvr, k, d, STAMP)
        for k, (c, d, cvr) in enumerate(made))
    query = "SELECT email_domain FROM companies WHERE id = '%s'" % company
    if url.startswith(("postgres://", "postgresql://")):
        subprocess.run(["psql", url, "-qc", inserts or "SELECT 1"], check=True)
        domain = subprocess.run(["psql", url, "-Atc", query], check=True,
                                capture_output=True, text=True).stdout.strip()
    else:
        db = sqlite3.connect(url.removeprefix("sqlite://").removeprefix("sqlite:"))
        db.executescript(inserts)
        domain = db.execute(query).fetchone()[0]
        db.commit()
    return domain, [(c, d) for c, d, _ in made]


def copy_value(v):
    if v is None:
        return "\\N"
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load_postgres(url, batches):
    streams = {name: io.StringIO() for name in ("o", "s", "c")}
    for company, domain, first, count in batches:
        for o, s, c in rows(company, domain, first, count):
            for key, row in (("o", o), ("s", s), ("c", c)):
                streams[key].write("\t".join(copy_value(v) for v in row) + "\n")
    for key, (table, columns) in (("o", ORDERS), ("s", SUBSCRIPTIONS), ("c", CLAIMS)):
        subprocess.run(["psql", url, "-qc", "COPY %s (%s) FROM STDIN" % (table, columns)],
                       input=streams[key].getvalue(), text=True, check=True)
    # VACUUM as well: autovacuum would otherwise take up the fresh rows in the middle of a
    # measurement (setting their hint bits, new statistics, a re-plan). Then a checkpoint,
    # so the pages that wrote are on disk before the measuring starts, not during it.
    subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE", "-qc", "CHECKPOINT"], check=True)


def load_sqlite(url, batches):
    db = sqlite3.connect(url.removeprefix("sqlite://").removeprefix("sqlite:"))
    for company, domain, first, count in batches:
        produced = list(rows(company, domain, first, count))
        for index, (table, columns) in enumerate((ORDERS, SUBSCRIPTIONS, CLAIMS)):
            marks = ", ".join("?" * len(columns.split(",")))
            db.executemany("INSERT INTO %s (%s) VALUES (%s)" % (table, columns, marks),
                           (r[index] for r in produced))
    db.commit()
    db.execute("ANALYZE")
    db.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("company")
    parser.add_argument("n", type=int)
    parser.add_argument("--others", type=int, default=9)
    args = parser.parse_args()
    domain, others = companies(args.url, args.company, args.others)
    batches = [(args.company, domain, 0, args.n)]
    each = args.n // max(args.others, 1)
    for k, (company, other_domain) in enumerate(others):
        batches.append((company, other_domain, args.n + k * each, each))
    if args.url.startswith(("postgres://", "postgresql://")):
        load_postgres(args.url, batches)
    else:
        load_sqlite(args.url, batches)


if __name__ == "__main__":
    main()
