-- Number porting end to end: when the request went to the donor, each signing link the
-- owner was sent, and the evidence of each signature.
ALTER TABLE number_ports ADD COLUMN submitted_at TIMESTAMP;

-- The porting worker finds its work by state.
CREATE INDEX number_ports_status ON number_ports (status);

-- Every signing link sent to an owner; the port's `poa_token_hash` names the live one.
-- A reminder is a fresh link of its own, so the first link dies when it goes out.
CREATE TABLE poa_links (
    token_hash TEXT PRIMARY KEY,
    port_id    TEXT NOT NULL REFERENCES number_ports (id),
    sent_at    TIMESTAMP NOT NULL,
    reminder   BOOLEAN NOT NULL
);
CREATE INDEX poa_links_port ON poa_links (port_id);
INSERT INTO poa_links (token_hash, port_id, sent_at, reminder)
    SELECT poa_token_hash, id, created_at, FALSE FROM number_ports
    WHERE poa_token_hash IS NOT NULL;

-- The owner's consent (Teleloven § 28 a): who signed which document, when, from where.
CREATE TABLE poa_signatures (
    id              TEXT PRIMARY KEY,
    port_id         TEXT NOT NULL REFERENCES number_ports (id),
    signer_name     TEXT NOT NULL,
    signed_at       TIMESTAMP NOT NULL,
    client_ip       TEXT NOT NULL,
    user_agent      TEXT NOT NULL,
    document_sha256 TEXT NOT NULL
);
CREATE INDEX poa_signatures_port ON poa_signatures (port_id, id);
