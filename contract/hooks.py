"""Schemathesis checks for rules the document states and JSON Schema cannot.

Both checks below stand in for Schemathesis's own `positive_data_acceptance` on the
operations they name; contract/schemathesis.toml turns the built-in check off for those
operations only. Each accepts exactly one kind of refusal of schema-valid data, recognized
by its problem `code`, and hands every other answer to the built-in check, which judges it
with the global expected statuses (so a 422 is refused there, as on every other operation).

Dead emailed links (`positive_data_acceptance_of_links`): a power of attorney's signing
link and a password link carry a secret token emailed to one person, so whether a
schema-valid token opens a live link is state, not schema. The document says so ("Any
token that does not open a live link: 410 `link_gone`"): on those link operations a 410
problem with exactly that code passes.

Rules the schema cannot state (`positive_data_acceptance_of_rules`): some validity rules
depend on data (the catalog, the numbers we have, the colleagues' initials), on today's
date or where a test clock stands, or on arithmetic JSON Schema has no keyword for (the
CVR check digit). A schema-valid request that breaks one is refused with 422
`validation_failed` and the field's pointer (the
design: "Invalid input: 422 with all field errors at once"). On the operations in
`RULE_CODES`, such a 422 passes only when EVERY `errors[].code` in it is one of the
operation's rule codes; one error the schema could have stated (a wrong type, a
missing field, a format) fails the check, so a real contract break is still seen. An
`Idempotency-Key` already used for another request is 422 `idempotency_key_reused` with no
errors (the design, as the IETF Idempotency-Key draft): which keys were used is state.

A bulk upload's CSV file is a string in the document: its structure (a header row naming
known columns, each once, the required ones present; 1 to 1,000 data rows; lines that read
as CSV) is not something JSON Schema can state of a string, so on `create_bulk_order` a
schema-valid CSV file (a `text/csv` body; not JSON rows, whose count the schema states)
may be refused with 422 for exactly those file-level codes. Each row is
checked on its own and its problems are the dry run's or the job's answer, not the
request's, so no rule of the order form is a 422 here.

A conditional header (`positive_data_acceptance_of_rules` too): `POST /bulk-orders`
requires an `Idempotency-Key` unless `dry_run=true` (the design: "Otherwise
`Idempotency-Key` is required (428 without)"). The header is optional in the document,
which cannot make it required on another parameter's value; a 428
`idempotency_key_required` passes only when the request as sent had no `Idempotency-Key`
and its `dry_run` was not `true`.
"""

from urllib.parse import parse_qs, urlsplit

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

LINK_PATHS = {
    "/poa/{token}",
    "/poa/{token}/sign",
    "/auth/password-reset/{token}",
}

# Field error codes of rules a JSON Schema cannot state, each with where it comes from.
# The catalog is data, not an enumeration in the document: plan and package codes are
# whatever `GET /catalog/plans` and `GET /catalog/mobile-packages` list.
UNKNOWN_PLAN = "unknown_plan"  # api/src/app/orders/form.rs
UNKNOWN_MOBILE_PACKAGE = "unknown_mobile_package"  # api/src/app/orders/form.rs
# A port's `requested_date` lies between the earliest legal port date (working days from
# today) and a year after it: both ends move with today.
TOO_EARLY = "too_early"  # api/src/app/orders/form.rs
TOO_LATE = "too_late"  # api/src/app/orders/form.rs
# A subscription ends today (in Denmark) at the earliest.
DATE_IN_PAST = "date_in_past"  # api/src/http/problems.rs (SubscriptionError::DateInPast)
# The CVR number's modulus-11 check digit: a weighted digit sum, no JSON Schema keyword.
CVR_CHECKSUM = "cvr_checksum"  # domain/src/company.rs
# Initials are unique among the company's live drafts and subscriptions: data.
INITIALS_TAKEN = "initials_taken"  # api/src/app/orders/draft.rs
# A port-in number may be neither one of our numbers already nor in another live port:
# data.
NUMBER_ALREADY_OURS = "number_already_ours"  # api/src/app/orders/form.rs
NUMBER_PORT_EXISTS = "number_port_exists"  # api/src/app/orders/form.rs
# A merge patch's number without `type` merges into the draft's number; on a port-in
# draft that number must be mobile. Which kind the draft has is state.
NUMBER_NOT_MOBILE = "number_not_mobile"  # domain/src/number.rs

# Where a webhook may go depends on the server's WEBHOOK_TARGETS (loopback here: only
# 127.0.0.0/8 and ::1) and on what the host name resolves to: configuration and DNS, not
# schema.
URL_NOT_ALLOWED = "url_not_allowed"  # api/src/routes/webhooks.rs (targets::check)

# A test clock moves only forward, at most 365 days at a time: both ends are where the
# clock stands now, which is state.
CLOCK_BACKWARDS = "clock_backwards"  # api/src/http/problems.rs (ClockError::Backwards)
ADVANCE_TOO_FAR = "advance_too_far"  # api/src/http/problems.rs (ClockError::TooFar)

# A bulk upload's CSV file as a whole (api/src/wire/bulk_upload.rs): the header row names
# the columns, each a known one (`unknown_column`), once (`duplicate_column`), the required
# ones all there (`missing_column`); an empty file has no header (`no_header`); 1 to 1,000
# data rows (`no_rows`, `too_many_rows`), each line readable as CSV (`unreadable_csv`).
CSV_FILE_RULES = frozenset(
    {
        "unknown_column",
        "missing_column",
        "duplicate_column",
        "no_header",
        "no_rows",
        "too_many_rows",
        "unreadable_csv",
    }
)

# Rule codes that only a body of one media type can break: the file-level codes are a CSV
# file's (a JSON upload's rows are an array whose 1 to 1,000 items the schema states).
RULE_MEDIA_TYPES = {"create_bulk_order": "text/csv"}

# Operations where an `Idempotency-Key` is required unless `dry_run=true`: 428
# `idempotency_key_required` without one (api/src/routes/bulk_orders.rs).
KEY_REQUIRED_UNLESS_DRY_RUN = {"create_bulk_order"}

ORDER_FORM_RULES = frozenset(
    {
        UNKNOWN_PLAN,
        UNKNOWN_MOBILE_PACKAGE,
        TOO_EARLY,
        TOO_LATE,
        INITIALS_TAKEN,
        NUMBER_ALREADY_OURS,
        NUMBER_PORT_EXISTS,
    }
)

# Per operation: the field error codes a schema-valid request may be refused with, and
# whether it takes an `Idempotency-Key` (whose reuse for another request is 422).
RULE_CODES = {
    "create_company": (frozenset({CVR_CHECKSUM}), False),
    "create_order": (ORDER_FORM_RULES, True),
    "edit_order": (ORDER_FORM_RULES | {NUMBER_NOT_MOBILE}, False),
    # Confirming has no body: its only such refusal is a reused key.
    "confirm_order": (frozenset(), True),
    "confirm_bulk_order": (frozenset(), True),
    "approve_order": (frozenset(), True),
    "approve_bulk_order": (frozenset(), True),
    "edit_subscription": (frozenset({UNKNOWN_MOBILE_PACKAGE}), False),
    "terminate_subscription": (frozenset({DATE_IN_PAST}), False),
    "create_webhook_endpoint": (frozenset({URL_NOT_ALLOWED}), False),
    "edit_webhook_endpoint": (frozenset({URL_NOT_ALLOWED}), False),
    "advance_test_clock": (frozenset({CLOCK_BACKWARDS, ADVANCE_TOO_FAR}), False),
    "create_bulk_order": (CSV_FILE_RULES, True),
}


def _problem(response, status: int):
    """The response's problem document, if it is one with this status; else `None`."""
    if response.status_code != status:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.split(";")[0].strip().lower() != "application/problem+json":
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_link_gone(response) -> bool:
    problem = _problem(response, 410)
    return problem is not None and problem.get("code") == "link_gone"


def _breaks_only_rules(response, operation_id: str) -> bool:
    """A 422 whose every reason is a rule of `operation_id` the schema cannot state."""
    rules, takes_key = RULE_CODES[operation_id]
    media_type = RULE_MEDIA_TYPES.get(operation_id)
    if media_type is not None and _request_media_type(response) != media_type:
        rules = frozenset()
    problem = _problem(response, 422)
    if problem is None:
        return False
    code = problem.get("code")
    errors = problem.get("errors")
    if code == "idempotency_key_reused":
        return takes_key and not errors
    if code != "validation_failed" or not isinstance(errors, list) or not errors:
        return False
    return all(isinstance(e, dict) and e.get("code") in rules for e in errors)


def _request_media_type(response) -> str:
    """The media type of the request's body as sent, lower-case, without parameters."""
    content_type = response.request.headers.get("content-type") or ""
    return content_type.split(";")[0].strip().lower()


def _is_key_required_without_key(response, operation_id: str) -> bool:
    """A 428 `idempotency_key_required` to a request that sent no `Idempotency-Key` and
    was no dry run (`dry_run=true`), on an operation that requires the key unless so."""
    if operation_id not in KEY_REQUIRED_UNLESS_DRY_RUN:
        return False
    problem = _problem(response, 428)
    if problem is None or problem.get("code") != "idempotency_key_required":
        return False
    request = response.request
    if "idempotency-key" in {name.lower() for name in request.headers}:
        return False
    query = parse_qs(urlsplit(request.url).query, keep_blank_values=True)
    # The server reads `dry_run` as a boolean: only the text `true` is a dry run.
    return query.get("dry_run") != ["true"]


@schemathesis.check
def positive_data_acceptance_of_links(ctx, response, case):
    """`positive_data_acceptance`, where a dead signing link may answer 410 `link_gone`."""
    if case.operation.path not in LINK_PATHS:
        return None
    if _is_link_gone(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def positive_data_acceptance_of_rules(ctx, response, case):
    """`positive_data_acceptance`, where a schema-valid request may break a rule the schema
    cannot state (422 with only the operation's rule codes)."""
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id not in RULE_CODES:
        return None
    if _breaks_only_rules(response, operation_id):
        return None
    if _is_key_required_without_key(response, operation_id):
        return None
    return positive_data_acceptance(ctx, response, case)
