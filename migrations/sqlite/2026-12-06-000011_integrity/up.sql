-- Two live subscriptions of a company never share initials. The claims table keeps the
-- rule while drafts come and go; this index is its last line, should a confirmation ever
-- find its draft's claim taken over. (Idempotency keys need no waiting function here:
-- SQLite runs one writer at a time.)
CREATE UNIQUE INDEX subscriptions_live_initials ON subscriptions (company_id, initials)
    WHERE status <> 'terminated';

-- One live port per number and company. Whether another company is porting the same
-- number is not this company's to learn (a refusal would tell it); the donor answers
-- both requests.
DROP INDEX number_ports_live;
CREATE UNIQUE INDEX number_ports_live ON number_ports (company_id, number)
    WHERE status NOT IN ('completed', 'expired', 'cancelled');
