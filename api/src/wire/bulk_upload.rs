//! Reading a bulk upload: a CSV file (a header row, `,` or `;` as separator, UTF-8 with or
//! without a BOM) or JSON rows, each row read into the JSON form `POST /orders` takes, so
//! one set of rules checks both. What makes the whole file unreadable (columns, row count)
//! is a field error of the request; what is wrong with one row is that row's problem.

use std::collections::HashMap;

use domain::bulk::{MAX_CELL_CHARS, MAX_ROWS, Problem};
use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::wire::bulk_orders::BulkRows;

/// The largest upload, in bytes: 1,000 rows of a spreadsheet fit with room to spare.
pub const UPLOAD_LIMIT: usize = 1024 * 1024;

/// A CSV upload's body: the file's text.
pub struct CsvFile;

impl utoipa::PartialSchema for CsvFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(UPLOAD_LIMIT))
            .description(Some(
                "The CSV file: UTF-8 (a BOM allowed), at most 1 MiB (1,048,576 bytes; a file \
                 with characters beyond ASCII reaches that before `maxLength` characters).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for CsvFile {}

/// The CSV columns, each with the field of the order form it fills.
pub const COLUMNS: [(&str, &str); 13] = [
    ("plan", "/plan"),
    ("mobile_package", "/mobile_package"),
    ("data_sharing_cards", "/data_sharing_cards"),
    ("name", "/employee/name"),
    ("initials", "/employee/initials"),
    ("title", "/employee/title"),
    ("email", "/employee/email"),
    ("cost_center", "/employee/cost_center"),
    ("number_type", "/number/type"),
    ("number", "/number/number"),
    ("owner_email", "/number/owner_email"),
    ("owner_name", "/number/owner_name"),
    ("requested_date", "/number/requested_date"),
];

/// The columns every file must have.
pub const REQUIRED_COLUMNS: [&str; 6] = [
    "plan",
    "mobile_package",
    "name",
    "initials",
    "title",
    "email",
];

/// An upload read row by row.
#[derive(Debug)]
pub struct Upload {
    pub format: persistence::bulk_orders::Upload,
    pub rows: Vec<UploadedRow>,
}

/// One data row: the order form it reads as, its cells as uploaded (CSV), and what is
/// wrong with it before any rule of the form is checked.
#[derive(Debug)]
pub struct UploadedRow {
    pub row: u32,
    pub form: Value,
    pub cells: Option<Vec<String>>,
    pub problems: Vec<Problem>,
}

/// The CSV column a pointer into the order form falls in (`/number` is `number_type`'s).
pub fn column_of(pointer: &str) -> Option<&'static str> {
    if pointer == "/number" {
        return Some("number_type");
    }
    COLUMNS
        .iter()
        .find(|(_, field)| {
            pointer == *field
                || pointer
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .map(|(column, _)| *column)
}

/// The cells a JSON row would have had as a CSV row, in [`COLUMNS`] order (the answer
/// file of a JSON upload).
pub fn cells_of(form: &Value) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|(_, pointer)| match form.pointer(pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        })
        .collect()
}

/// Reads JSON rows: `{"rows": [form, …]}`. A row is any value; what is wrong with one,
/// a NUL in it too (as in a CSV cell), is that row's problem, not the request's.
pub fn read_json(bytes: &[u8]) -> Result<Upload, crate::error::ApiError> {
    let body: BulkRows = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => crate::body::from_value(&value)
            .map_err(|error| crate::error::ApiError::validation(vec![error]))?,
        // Not JSON: answered as any JSON body is.
        Err(_) => crate::body::parse_json(bytes)?,
    };
    count_rows(body.rows.len()).map_err(crate::error::ApiError::validation)?;
    let rows = body
        .rows
        .into_iter()
        .zip(1..)
        .map(|(form, row)| {
            let problems = crate::body::nul_errors(&form)
                .into_iter()
                .map(|e| Problem::at_row(row, None, e.pointer, e.code, e.message))
                .collect();
            UploadedRow {
                row,
                form,
                cells: None,
                problems,
            }
        })
        .collect();
    Ok(Upload {
        format: persistence::bulk_orders::Upload::Json,
        rows,
    })
}

fn count_rows(n: usize) -> Result<(), Vec<FieldError>> {
    if n == 0 {
        Err(vec![FieldError::new(
            "/rows",
            "no_rows",
            "the upload has no data rows; send 1 to 1000",
        )])
    } else if n > MAX_ROWS {
        Err(vec![FieldError::new(
            "/rows",
            "too_many_rows",
            format!("the upload has more than {MAX_ROWS} rows; at most {MAX_ROWS} go in one job"),
        )])
    } else {
        Ok(())
    }
}

/// The separator the header line uses: `;` (as Danish spreadsheets export) when it has
/// more semicolons than commas, otherwise `,`.
fn delimiter(bytes: &[u8]) -> u8 {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| line.iter().filter(|b| **b == c).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// Reads a CSV file.
pub fn read_csv(bytes: &[u8]) -> Result<Upload, Vec<FieldError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let delimiter = delimiter(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(record)) => record
            .iter()
            .map(|cell| String::from_utf8_lossy(cell).trim().to_lowercase())
            .collect::<Vec<_>>(),
        _ => {
            return Err(vec![FieldError::new(
                "/columns",
                "no_header",
                "the file is empty; its first line names the columns",
            )]);
        }
    };
    check_header(&header)?;
    let mut records_read = Vec::new();
    for (record, line) in records.zip(2..) {
        let record = record.map_err(|e| {
            vec![FieldError::new(
                "/rows",
                "unreadable_csv",
                format!("line {line} cannot be read as CSV: {e}"),
            )]
        })?;
        // A blank line, or one of empty cells a spreadsheet writes after the data, is no row.
        if !record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            records_read.push(record);
            // One past the limit is enough to refuse the file: read no further.
            if records_read.len() > MAX_ROWS {
                break;
            }
        }
    }
    count_rows(records_read.len())?;
    let rows = records_read
        .iter()
        .zip(1..)
        .map(|(record, row)| read_row(row, &header, record))
        .collect();
    Ok(Upload {
        format: persistence::bulk_orders::Upload::Csv { header, delimiter },
        rows,
    })
}

/// Every column named once, none unknown, none required missing: all wrong ones named.
fn check_header(header: &[String]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for name in header {
        *seen.entry(name.as_str()).or_default() += 1;
    }
    for name in header {
        let pointer = format!("/columns/{}", crate::body::escape(name));
        if !COLUMNS.iter().any(|(c, _)| c == name) {
            errors.push(FieldError::new(
                pointer,
                "unknown_column",
                format!(
                    "there is no column {name:?}; the columns are {}",
                    COLUMNS.map(|(c, _)| c).join(", ")
                ),
            ));
        } else if seen.get(name.as_str()).is_some_and(|n| *n > 1) {
            errors.push(FieldError::new(
                pointer,
                "duplicate_column",
                format!("the column {name} is named more than once"),
            ));
            seen.remove(name.as_str());
        }
    }
    for name in REQUIRED_COLUMNS {
        if !header.iter().any(|c| c == name) {
            errors.push(FieldError::new(
                format!("/columns/{name}"),
                "missing_column",
                format!("the file has no column {name}; it is required"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One data row: its cells, checked one by one, and the order form they make.
fn read_row(row: u32, header: &[String], record: &csv::ByteRecord) -> UploadedRow {
    let mut problems = Vec::new();
    // Cells past the header's columns belong to no column: the row's cell count is its one
    // problem, and they are neither checked one by one nor kept.
    let mut cells = Vec::with_capacity(header.len());
    for (i, raw) in record.iter().enumerate().take(header.len()) {
        let column = header.get(i).cloned();
        let pointer = column
            .as_deref()
            .and_then(|c| COLUMNS.iter().find(|(name, _)| *name == c))
            .map_or("", |(_, p)| *p);
        let problem = |code: &str, message: String| {
            Problem::at_row(row, column.clone(), pointer, code, message)
        };
        let cell = match std::str::from_utf8(raw) {
            Ok(text) => text.to_owned(),
            Err(_) => {
                problems.push(problem(
                    "not_utf8",
                    "the cell is not UTF-8 text; save the file as UTF-8".to_owned(),
                ));
                String::from_utf8_lossy(raw).into_owned()
            }
        };
        let chars = cell.chars().count();
        if chars > MAX_CELL_CHARS {
            problems.push(problem(
                "cell_too_long",
                format!("a cell is at most {MAX_CELL_CHARS} characters, not {chars}"),
            ));
        } else if cell.contains('\0') {
            problems.push(problem(
                crate::body::NUL_CODE,
                crate::body::NUL_MESSAGE.to_owned(),
            ));
        }
        cells.push(cell);
    }
    if record.len() != header.len() {
        problems.push(Problem::at_row(
            row,
            None,
            "",
            "wrong_cell_count",
            format!(
                "the row has {} cells; the header names {} columns",
                record.len(),
                header.len()
            ),
        ));
    }
    let named: HashMap<&str, &str> = header
        .iter()
        .map(String::as_str)
        .zip(cells.iter().map(|c| c.trim()))
        .filter(|(_, cell)| !cell.is_empty())
        .collect();
    UploadedRow {
        row,
        form: form_of(&named),
        cells: Some(cells),
        problems,
    }
}

/// The order form a row's non-empty cells make: an empty cell is an absent field.
fn form_of(cells: &HashMap<&str, &str>) -> Value {
    let text = |name: &str| cells.get(name).map(|c| Value::String((*c).to_owned()));
    let mut form = Map::new();
    let put = |map: &mut Map<String, Value>, key: &str, value: Option<Value>| {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    };
    put(&mut form, "plan", text("plan"));
    put(&mut form, "mobile_package", text("mobile_package"));
    // A whole number is sent as one; anything else as the text it is, so the form's rule
    // names it.
    put(
        &mut form,
        "data_sharing_cards",
        cells.get("data_sharing_cards").map(|c| {
            c.parse::<i64>()
                .map_or_else(|_| Value::String((*c).to_owned()), Value::from)
        }),
    );
    let mut employee = Map::new();
    for field in ["name", "initials", "title", "email", "cost_center"] {
        put(&mut employee, field, text(field));
    }
    form.insert("employee".to_owned(), Value::Object(employee));
    let port_fields = ["number", "owner_email", "owner_name", "requested_date"];
    let kind = text("number_type");
    if kind.is_some() || port_fields.iter().any(|f| cells.contains_key(f)) {
        let mut number = Map::new();
        put(
            &mut number,
            "type",
            Some(kind.unwrap_or_else(|| Value::String("new".to_owned()))),
        );
        for field in port_fields {
            put(&mut number, field, text(field));
        }
        form.insert("number".to_owned(), Value::Object(number));
    }
    Value::Object(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "plan;mobile_package;data_sharing_cards;name;initials;title;email;cost_center;number_type;number;owner_email;owner_name;requested_date";

    #[test]
    fn a_semicolon_file_with_a_bom_reads_its_first_column_by_name() {
        let file = format!(
            "\u{feff}{HEADER}\r\nERHVERV_M;DATA_50;1;Mette Hansen;MH;Projektleder;mette@x.example;4100;new;;;;\r\n"
        );
        let upload = read_csv(file.as_bytes()).expect("readable");
        assert_eq!(upload.rows.len(), 1);
        let form = &upload.rows[0].form;
        assert_eq!(form["plan"], "ERHVERV_M");
        assert_eq!(form["data_sharing_cards"], 1);
        assert_eq!(form["employee"]["initials"], "MH");
        assert_eq!(form["number"], serde_json::json!({"type": "new"}));
        assert!(upload.rows[0].problems.is_empty());
    }

    #[test]
    fn a_comma_file_without_number_columns_picks_a_number() {
        let file = "plan,mobile_package,name,initials,title,email\nERHVERV_M,DATA_50,Mette Hansen,MH,Projektleder,mette@x.example\n";
        let upload = read_csv(file.as_bytes()).expect("readable");
        assert!(upload.rows[0].form.get("number").is_none());
    }

    #[test]
    fn unknown_and_missing_columns_are_all_named() {
        let errors = read_csv(b"plan;colour;name;name\n").expect_err("refused");
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert!(found.contains(&("/columns/colour", "unknown_column")));
        assert!(found.contains(&("/columns/name", "duplicate_column")));
        assert!(found.contains(&("/columns/mobile_package", "missing_column")));
        assert!(found.contains(&("/columns/initials", "missing_column")));
    }

    #[test]
    fn blank_rows_do_not_count_and_an_empty_file_has_no_rows() {
        let file = format!("{HEADER}\n;;;;;;;;;;;;\n\n");
        let errors = read_csv(file.as_bytes()).expect_err("no rows");
        assert_eq!(errors[0].code, "no_rows");
        assert_eq!(read_csv(b"").expect_err("empty")[0].code, "no_header");
    }

    #[test]
    fn a_long_cell_and_a_short_row_are_problems_of_their_row() {
        let long = "x".repeat(MAX_CELL_CHARS + 1);
        let file = format!(
            "plan;mobile_package;name;initials;title;email\nERHVERV_M;DATA_50;{long};MH;T;e@x.example\nERHVERV_M;DATA_50\n"
        );
        let upload = read_csv(file.as_bytes()).expect("readable");
        assert_eq!(upload.rows[0].problems[0].code, "cell_too_long");
        assert_eq!(upload.rows[0].problems[0].column.as_deref(), Some("name"));
        assert_eq!(upload.rows[1].problems[0].code, "wrong_cell_count");
    }

    #[test]
    fn more_than_a_thousand_rows_are_refused_with_their_count() {
        let mut file = String::from("plan;mobile_package;name;initials;title;email\n");
        for _ in 0..1_002 {
            file.push_str("ERHVERV_M;DATA_50;A;AB;T;e@x.example\n");
        }
        let errors = read_csv(file.as_bytes()).expect_err("too many");
        assert_eq!(errors[0].code, "too_many_rows");
        assert!(
            errors[0].message.contains("more than 1000"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_nul_in_a_json_row_is_that_rows_problem() {
        let body = br#"{"rows": [{"plan": "A\u0000"}, {"employee": {"na\u0000me": 1}}, {}]}"#;
        let upload = read_json(body).expect("readable");
        let found: Vec<_> = upload
            .rows
            .iter()
            .map(|r| {
                r.problems
                    .iter()
                    .map(|p| (p.pointer.clone().unwrap_or_default(), p.code.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            found[0],
            [("/plan".to_owned(), "invalid_character".to_owned())]
        );
        assert_eq!(
            found[1],
            [("/employee/name".to_owned(), "invalid_character".to_owned())]
        );
        assert!(found[2].is_empty());
        assert!(read_json(br#"{"rows": [], "x\u0000": 1}"#).is_err());
        assert!(read_json(b"{").is_err());
    }

    #[test]
    fn a_pointer_names_its_column() {
        assert_eq!(column_of("/employee/initials"), Some("initials"));
        assert_eq!(column_of("/number"), Some("number_type"));
        assert_eq!(column_of("/number/type"), Some("number_type"));
        assert_eq!(column_of("/employee"), None);
    }
}
