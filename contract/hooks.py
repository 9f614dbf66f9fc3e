"""Schemathesis checks for rules the document states and JSON Schema cannot.

A signing link's token is a secret emailed to a number's owner: whether a schema-valid
token opens a live link is state, not schema. The document says so ("Any token that does
not open a live link: 410 `link_gone`"), so on the power-of-attorney operations a 410
problem with exactly that code is accepted as positive data's answer; anything else is
judged by Schemathesis's own `positive_data_acceptance`, which contract/schemathesis.toml
turns off for these two operations only.
"""

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

LINK_PATHS = {"/poa/{token}", "/poa/{token}/sign"}


def _is_link_gone(response) -> bool:
    if response.status_code != 410:
        return False
    try:
        return response.json().get("code") == "link_gone"
    except ValueError:
        return False


@schemathesis.check
def positive_data_acceptance_of_links(ctx, response, case):
    """`positive_data_acceptance`, where a dead signing link may answer 410 `link_gone`."""
    if case.operation.path not in LINK_PATHS:
        return None
    if _is_link_gone(response):
        return None
    return positive_data_acceptance(ctx, response, case)
