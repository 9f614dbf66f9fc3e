-- Help articles ship with the product; readers say whether an article helped.
CREATE TABLE help_articles (
    slug       TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE help_feedback (
    id           TEXT PRIMARY KEY,
    article_slug TEXT NOT NULL REFERENCES help_articles (slug),
    helpful      BOOLEAN NOT NULL,
    comment      TEXT,
    email        TEXT,
    client_ip    TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX help_feedback_article ON help_feedback (article_slug, helpful);
CREATE INDEX help_feedback_ip ON help_feedback (client_ip, created_at);

INSERT INTO help_articles (slug, title, summary, body, updated_at) VALUES (
'opret-ny-medarbejder',
'Opret en ny medarbejder med mobilabonnement',
'Sådan giver du en ny kollega et mobilabonnement: vælg abonnement og nummer, gennemse prisen, og godkend.',
'## Før du starter

Du skal være administrator for din virksomhed. Hav medarbejderens navn, initialer, stilling og e-mailadresse klar.

## 1. Vælg abonnement

Vælg **Opret nyt abonnement** og det abonnement, medarbejderen skal have. De større abonnementer har datadelingskort med i prisen.

## 2. Udfyld medarbejderens oplysninger

Skriv navn, initialer (2-6 bogstaver, unikke i virksomheden), stilling og e-mailadresse. Omkostningssted er frivilligt.

## 3. Vælg nummer

Vælg et ledigt nummer fra virksomhedens egne numre eller fra vores nummerbeholdning. Nummeret holdes til dig, mens du gennemser bestillingen.

Vil medarbejderen beholde sit nuværende nummer, vælger du **Flyt nummer** og skriver nummeret og navnet og e-mailadressen på den, der ejer nummeret i dag. Ejeren får en e-mail med en fuldmagt, som skal underskrives, før vi kan flytte nummeret. Vær opmærksom på, at der kan være binding hos det nuværende selskab.

## 4. Mobilpakke og datadelingskort

Vælg en mobilpakke og det antal datadelingskort, medarbejderen skal bruge (højst 5).

## 5. Gennemse og godkend

Vælg **Gå til ordrebekræftelse**. Her ser du den samlede pris pr. måned og den engangsbetaling, der hører til, med og uden moms. Vil du rette noget, vælger du **Ret bestilling**. Er alt i orden, vælger du **Godkend og opret**.

## Bagefter

Medarbejderen får en velkomstmail med sit nummer og sin adresse til at logge på Skype for Business. Abonnementet står nu på listen over virksomhedens abonnementer.',
'2026-11-25 00:00:00'
);
