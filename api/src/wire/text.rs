//! The text values the domain checks, as schemas that say exactly what the server
//! accepts, so a client (or a generated test) can tell a valid value from the schema.
//! Use one on a `String` field with `#[schema(value_type = crate::wire::text::Email)]`.

use serde_json::json;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// Characters free text may not contain: the control characters (Unicode `Cc`).
const NOT_CONTROL: &str = "[^\\u0000-\\u001F\\u007F-\\u009F]";
/// A character that is neither a control character nor white space.
const VISIBLE: &str =
    "[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
/// A host name: labels of letters, digits and `-` (not first or last), a top-level
/// label of letters only.
const DOMAIN: &str = "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{1,63}";

fn string(
    pattern: String,
    min_length: usize,
    max_length: usize,
    description: &str,
    example: &str,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(Some(min_length))
        .max_length(Some(max_length))
        .description(Some(description))
        .examples([json!(example)])
        .into()
}

/// Free text of at most `max` characters: not blank, no control characters.
fn free_text(max: usize, example: &str) -> RefOr<Schema> {
    string(
        format!("^{NOT_CONTROL}*{VISIBLE}{NOT_CONTROL}*$"),
        1,
        max,
        &format!(
            "Free text: 1 to {max} characters, not blank, no control characters; kept trimmed."
        ),
        example,
    )
}

macro_rules! text_schema {
    ($(#[$meta:meta])* $name:ident => $schema:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl ToSchema for $name {}
    };
}

text_schema!(
    /// An email address, as people and the mail systems we send through use them.
    Email => string(
        format!("^[A-Za-z0-9!#$%&'*+./=?^_`{{|}}~-]{{1,64}}@{DOMAIN}$"),
        3,
        254,
        "An email address: at most 64 characters before the `@` (no spaces or quotes), a domain \
         name after it; kept lower-case.",
        "mette@nordlys.example",
    )
);

text_schema!(
    /// A domain name, e.g. a company's email domain.
    DomainName => string(
        format!("^{DOMAIN}$"),
        3,
        253,
        "A domain name: labels of letters, digits and `-`, a top-level label of letters; kept \
         lower-case.",
        "nordlys.example",
    )
);

text_schema!(
    /// A name or a title: free text of up to 100 characters.
    Text100 => free_text(100, "Mette Hansen")
);

text_schema!(
    /// A longer free text, e.g. a donor's reason: up to 500 characters.
    Text500 => free_text(500, "Nummeret er spærret hos afgivende selskab.")
);

text_schema!(
    /// A short free text, e.g. a cost centre: up to 50 characters.
    Text50 => free_text(50, "4100")
);

text_schema!(
    /// A CVR number. The modulus-11 check digit is not expressible as a pattern.
    CvrNumber => string(
        "^[1-9][0-9]{7}$".to_owned(),
        8,
        8,
        "A CVR number: 8 digits, not starting with 0, with a valid modulus-11 check digit.",
        "10150817",
    )
);

text_schema!(
    /// A Danish number as people write it.
    DanishNumber => string(
        "^(\\+45|0045)?[2-9][0-9]{7}$".to_owned(),
        8,
        12,
        "A Danish number: 8 digits (never starting with 0 or 1), optionally after `+45` or \
         `0045`; returned as E.164 `+45XXXXXXXX`.",
        "+4520710001",
    )
);

text_schema!(
    /// A Danish mobile number as people write it.
    MobileNumber => string(
        "^(\\+45|0045)?(2[0-9]|3[01]|4[0-2]|5[0-3]|6[01]|71|81|9[1-3])[0-9]{6}$".to_owned(),
        8,
        12,
        "A Danish mobile number: 8 digits in the mobile series (20–31, 40–42, 50–53, 60–61, \
         71, 81, 91–93), optionally after `+45` or `0045`; returned as E.164 `+45XXXXXXXX`.",
        "+4520710001",
    )
);

text_schema!(
    /// A Danish mobile number in E.164, the one spelling of a number, for lists in
    /// which each number may appear once.
    MobileNumberE164 => string(
        "^\\+45(2[0-9]|3[01]|4[0-2]|5[0-3]|6[01]|71|81|9[1-3])[0-9]{6}$".to_owned(),
        11,
        11,
        "A Danish mobile number in E.164: `+45` and 8 digits in the mobile series (20–31, \
         40–42, 50–53, 60–61, 71, 81, 91–93). The server also accepts 8 digits or `0045…`, \
         with spaces.",
        "+4520710001",
    )
);

/// The longest catalog code read; a longer one names no plan or package (422 `too_long`).
pub const CATALOG_CODE_MAX: usize = 50;

/// The longest token of an emailed link read (the tokens are 43 characters); a longer
/// one is 422 `too_long` at `/path/token`.
pub const LINK_TOKEN_MAX: usize = 64;

text_schema!(
    /// A calendar month, e.g. of a monthly report.
    Month => string(
        "^[0-9]{4}-(0[1-9]|1[0-2])$".to_owned(),
        7,
        7,
        "A calendar month: `YYYY-MM`, four digits of year and two of month (01–12).",
        "2026-03",
    )
);

text_schema!(
    /// The cursor of a list whose items have UUIDv7 ids.
    ListCursor => string(
        "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
            .to_owned(),
        0,
        36,
        "The `next_cursor` of the previous page (a UUID); empty or absent: the first page.",
        "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
    )
);

text_schema!(
    /// An employee's initials.
    Initials => string(
        r"^(?:[A-Za-zÆØÅæøå]|[Aa]\u030A|\u212B){2,6}$".to_owned(),
        2,
        12,
        "2 to 6 letters (A–Z, Æ, Ø, Å), in any case; kept upper-case. Å may come composed \
         or as A with a combining ring (U+030A), as some keyboards send it; it is kept composed.",
        "MH",
    )
);

text_schema!(
    /// The `Idempotency-Key` request header.
    IdempotencyKey => string(
        "^[!-~]{1,255}$".to_owned(),
        1,
        255,
        "1 to 255 visible ASCII characters, e.g. a UUID.",
        "7d1c3f0e-5b2a-4c8e-9f61-0a4b2c3d4e5f",
    )
);

text_schema!(
    /// A password of a person's login.
    Password => ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(12))
        .max_length(Some(128))
        .description(Some("A password: 12 to 128 characters, any characters, kept as typed."))
        .examples([json!("en-lang-adgangskode")])
        .into()
);

text_schema!(
    /// Where a webhook endpoint receives events.
    WebhookUrl => string(
        "^https?://[!-~]+$".to_owned(),
        10,
        2048,
        "An absolute `https` URL of visible ASCII characters, without user name or password; \
         the server must answer from a public address. A server run with \
         `WEBHOOK_TARGETS=loopback` (the demo, tests) takes only `http` or `https` on \
         127.0.0.0/8 and ::1 instead.",
        "https://hr.nordlys.example/webhooks/selvbetjening",
    )
);
