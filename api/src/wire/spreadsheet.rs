//! CSV files people open in a spreadsheet.

use std::borrow::Cow;

/// Text a user typed, made safe to open in a spreadsheet: a cell starting with `=`, `+`,
/// `-` or `@` (or a tab or carriage return, which some spreadsheets skip before them)
/// would be read as a formula, so it gets a leading `'`, which spreadsheets take as "this
/// is text" (OWASP, "CSV Injection").
pub fn safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV writer as RFC 4180 has it (CRLF line ends, quoted where needed), with
/// `delimiter` between cells; rows may differ in length (an uploaded file's did).
pub fn writer(delimiter: u8) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

/// The written file's bytes.
pub fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    out.into_inner()
        .map_err(|err| csv::Error::from(err.into_error()))
}
