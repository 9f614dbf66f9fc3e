-- Login help: single-use emailed links to choose a password, for a forgotten one (1 hour)
-- and for a new user's first one (an invitation, 7 days). Only each token's hash is kept.
CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'invitation')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- when the link stopped working before its time: used, or replaced by a newer one
    ended_at   TIMESTAMP
);
CREATE INDEX login_links_user ON login_links (user_id);

INSERT INTO help_articles (slug, title, summary, body, updated_at) VALUES (
'log-ind',
'Log ind i Selvbetjening',
'Sådan logger du ind, og sådan vælger du en ny adgangskode, hvis du har glemt den.',
'## Log ind

Log ind med din e-mailadresse og din adgangskode. Efter fem forkerte forsøg på et kvarter skal du vente lidt, før du kan prøve igen.

## Har du glemt din adgangskode?

1. Vælg **Glemt adgangskode?** og skriv din e-mailadresse.
2. Du får en e-mail med et link, hvis adressen har adgang til Selvbetjening. Linket virker én gang og i en time.
3. Åbn linket, og vælg en ny adgangskode på mindst 12 tegn.

Når du har valgt en ny adgangskode, bliver du logget ud alle andre steder, og ældre links holder op med at virke.

## Er du ny bruger?

Din administrator eller operatøren opretter dig og sender dig en invitation. Åbn linket i e-mailen, og vælg din første adgangskode. Invitationen virker i syv dage; bed om en ny, hvis den er udløbet.

## Kan du stadig ikke logge ind?

Kontakt din virksomheds administrator. Er din adgang lukket, kan kun administratoren eller operatøren åbne den igen.',
'2026-12-02 00:00:00'
);
