-- Two live subscriptions of a company never share initials. The claims table keeps the
-- rule while drafts come and go; this index is its last line, should a confirmation ever
-- find its draft's claim taken over.
CREATE UNIQUE INDEX subscriptions_live_initials ON subscriptions (company_id, initials)
    WHERE status <> 'terminated';

-- Claims an idempotency key for a request, waiting at most `wait_ms` for a request that
-- holds the same key uncommitted. Answers 1 (claimed), 0 (the key is already there) or
-- -1 (the first request is still running after the wait). The wait is told by its
-- SQLSTATE (lock_not_available, 55P03), whatever language the server writes its messages
-- in, and the bound applies to this one statement: the function's SET clause restores the
-- caller's lock_timeout when it returns, and the failed insert is undone on its own
-- without aborting the caller's transaction.
CREATE FUNCTION claim_idempotency_key(
    company TEXT, idempotency_key TEXT, request_fingerprint TEXT, claimed_at TIMESTAMP,
    wait_ms INTEGER
) RETURNS INTEGER
LANGUAGE plpgsql
SET lock_timeout = 0
AS $$
DECLARE
    inserted INTEGER;
BEGIN
    PERFORM set_config('lock_timeout', wait_ms || 'ms', true);
    INSERT INTO idempotency_keys (company_id, key, fingerprint, created_at)
    VALUES (company, idempotency_key, request_fingerprint, claimed_at)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
EXCEPTION WHEN lock_not_available THEN
    RETURN -1;
END
$$;

-- One live port per number and company. Whether another company is porting the same
-- number is not this company's to learn (a refusal would tell it); the donor answers
-- both requests.
DROP INDEX number_ports_live;
CREATE UNIQUE INDEX number_ports_live ON number_ports (company_id, number)
    WHERE status NOT IN ('completed', 'expired', 'cancelled');
