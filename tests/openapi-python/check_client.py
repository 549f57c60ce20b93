"""`check_client.py BASE_URL`: the generated Python client (package `dixie_client`) against a
Dixie whose rate limit is 1 request per minute. A 429 and a 405 must come back typed and parsed,
not as `UnexpectedStatus`. Exits non-zero with the reason on the first failure."""

import sys

import httpx

from dixie_client import Client
from dixie_client.api.auth import issue_nonce
from dixie_client.api.service import get_health
from dixie_client.models import ErrorBody, NonceBody


def check(condition, message):
    if not condition:
        sys.exit(f"check_client: {message}")


def main(base_url):
    client = Client(base_url=base_url, raise_on_unexpected_status=True)

    first = issue_nonce.sync_detailed(client=client)
    check(isinstance(first.parsed, NonceBody), f"nonce: expected NonceBody, got {first!r}")
    limited = issue_nonce.sync_detailed(client=client)
    check(limited.status_code == 429, f"nonce again: expected 429, got {limited.status_code}")
    body = limited.parsed
    check(isinstance(body, ErrorBody), f"429: expected ErrorBody, got {body!r}")
    check(body.error == "rate_limited", f"429: error is {body.error!r}")
    check(isinstance(body.retry_after, int) and body.retry_after >= 1, f"429: retry_after is {body.retry_after!r}")
    check(limited.headers.get("retry-after") == str(body.retry_after), "429: Retry-After differs")

    # A generated client only sends documented methods; a 405 reaches it when the server it
    # talks to is older or newer than its spec. Send one and parse it as the client would.
    raw = client.get_httpx_client().request("DELETE", "/api/health")
    wrong = get_health._build_response(client=client, response=raw)
    check(wrong.status_code == 405, f"DELETE /api/health: expected 405, got {wrong.status_code}")
    check(isinstance(wrong.parsed, ErrorBody), f"405: expected ErrorBody, got {wrong.parsed!r}")
    check(wrong.parsed.error == "method_not_allowed", f"405: error is {wrong.parsed.error!r}")
    check("GET" in wrong.headers.get("allow", ""), "405: no Allow header naming GET")
    print("check_client: 429 and 405 typed and parsed")


if __name__ == "__main__":
    main(sys.argv[1])
