#!/usr/bin/env python3
"""A webhook receiver for trying Selvbetjening's events on this machine.

    pip install standardwebhooks
    WEBHOOK_SECRET=whsec_… python3 tools/webhook-receiver.py [PORT]   # default 9000

Listens on 127.0.0.1, verifies each delivery's Standard Webhooks signature with the
endpoint's secret (the `secret` of `POST /webhook-endpoints`), prints the event, and
answers 204 — or 400 when the signature does not verify, so the server retries.
Python's own `http.server` module serves GET only; this handler takes POST.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = os.environ.get("WEBHOOK_SECRET", "")
MAX_BODY = 64 * 1024


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        if length > MAX_BODY:
            self.send_response(413)
            self.end_headers()
            return
        body = self.rfile.read(length)
        try:
            event = Webhook(SECRET).verify(body, dict(self.headers))
        except WebhookVerificationError as error:
            print(f"refused {self.headers.get('webhook-id')}: {error}", flush=True)
            self.send_response(400)
            self.end_headers()
            return
        print(f"verified {event['type']} {event['id']}", flush=True)
        print(json.dumps(event["data"], indent=2, ensure_ascii=False), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


if __name__ == "__main__":
    if not SECRET.startswith("whsec_"):
        sys.exit("set WEBHOOK_SECRET to the endpoint's secret (whsec_…)")
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print(f"listening on http://127.0.0.1:{port}/webhooks", flush=True)
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
