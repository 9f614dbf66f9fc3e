//! Every row of an upload checked at once: by the rules of `POST /orders` (the same code),
//! then against each other (the same initials or number twice) and against what the
//! company holds now (initials taken, a named number not free).

use std::collections::{BTreeMap, HashMap};

use domain::bulk::Problem;
use domain::employee::Initials;
use domain::number::DanishNumber;
use domain::user::Scope;
use persistence::DbConnection;
use persistence::numbers::Pools;
use serde_json::Value;

use super::{BulkError, problem_of};
use crate::app::Settings;
use crate::app::orders::OrderError;
use crate::app::orders::form::{self, Choice};
use crate::error::FieldError;
use crate::wire::orders::{NumberChoice, OrderForm};

/// One row to check: its form and the problems reading it found already.
pub(super) struct RowInput<'a> {
    pub row: u32,
    pub form: &'a Value,
    pub problems: &'a [Problem],
}

/// What checking the rows found.
pub(super) struct Checked {
    /// Each row with problems, and its problems.
    pub by_row: BTreeMap<u32, Vec<Problem>>,
    /// How many rows have none.
    pub valid: u32,
    /// How many valid rows ask for a new number the server picks.
    pub picked_numbers: i64,
    /// How many valid rows name a new number (free, or they would not be valid).
    pub named_numbers: i64,
    /// How many valid rows port a number in.
    pub port_ins: i64,
}

impl Checked {
    /// Every problem, row by row.
    pub fn problems(&self) -> impl Iterator<Item = Problem> + '_ {
        self.by_row.values().flatten().cloned()
    }
}

/// The number a form names, new or ported in, if it reads as one.
fn named_number(form: &OrderForm) -> Option<DanishNumber> {
    match form.number.as_ref()? {
        NumberChoice::New { number } => DanishNumber::parse(number.as_deref()?).ok(),
        NumberChoice::PortIn { number, .. } => DanishNumber::parse_mobile(number).ok(),
    }
}

/// Checks `rows` for the company of `pools` at its business time; `csv` names each
/// problem's column.
pub(super) fn rows(
    conn: &mut DbConnection,
    settings: &Settings,
    (pools, scope): (&Pools, &Scope),
    rows: &[RowInput<'_>],
    csv: bool,
) -> Result<Checked, BulkError> {
    let mut by_row: BTreeMap<u32, Vec<Problem>> = BTreeMap::new();
    let mut add = |row: u32, problem: Problem| by_row.entry(row).or_default().push(problem);
    let mut initials: HashMap<String, Vec<u32>> = HashMap::new();
    let mut numbers: HashMap<String, Vec<u32>> = HashMap::new();
    let mut named_new: Vec<(u32, DanishNumber)> = Vec::new();
    let mut picked: Vec<u32> = Vec::new();
    let mut ported: Vec<u32> = Vec::new();
    for input in rows {
        if !input.problems.is_empty() {
            for p in input.problems {
                add(input.row, p.clone());
            }
            continue;
        }
        let form: OrderForm = match crate::body::from_value(input.form) {
            Ok(form) => form,
            Err(error) => {
                add(input.row, problem_of(input.row, error, csv));
                continue;
            }
        };
        // The keys rows may clash on, read from the form itself: a row with other problems
        // still names the row it clashes with.
        if let Ok(i) = Initials::parse(&form.employee.initials) {
            initials
                .entry(i.as_str().to_owned())
                .or_default()
                .push(input.row);
        }
        if let Some(n) = named_number(&form) {
            numbers
                .entry(n.as_str().to_owned())
                .or_default()
                .push(input.row);
        }
        match form::check(
            conn,
            &settings.catalog,
            (pools.company, scope),
            pools.now.and_utc(),
            &form,
        ) {
            Ok(valid) => match valid.choice {
                Choice::New(None) => picked.push(input.row),
                Choice::New(Some(n)) => named_new.push((input.row, n)),
                Choice::PortIn(..) => ported.push(input.row),
            },
            Err(OrderError::Invalid(errors)) => {
                for error in errors {
                    add(input.row, problem_of(input.row, error, csv));
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    // `what` names the value with its verb: "the initials MH are", "the number … is".
    let clash = |rows: &[u32], pointer: &str, code: &str, what: &str| {
        rows.iter()
            .map(|&row| {
                let others: Vec<String> = rows
                    .iter()
                    .filter(|&&r| r != row)
                    .map(u32::to_string)
                    .collect();
                let noun = if others.len() == 1 { "row" } else { "rows" };
                let message = format!("{what} also in {noun} {}", others.join(", "));
                problem_of(row, FieldError::new(pointer, code, message), csv)
            })
            .collect::<Vec<_>>()
    };
    for (key, rows) in initials.iter().filter(|(_, rows)| rows.len() > 1) {
        let what = format!("the initials {key} are");
        for p in clash(rows, "/employee/initials", "duplicate_initials", &what) {
            add(p.row.unwrap_or_default(), p);
        }
    }
    for (key, rows) in numbers.iter().filter(|(_, rows)| rows.len() > 1) {
        let what = format!("the number {key} is");
        for p in clash(rows, "/number/number", "duplicate_number", &what) {
            add(p.row.unwrap_or_default(), p);
        }
    }
    let wanted: Vec<&str> = initials.keys().map(String::as_str).collect();
    for held in persistence::orders::initials_held(conn, pools.company, &wanted, pools.now)? {
        for &row in initials.get(&held).into_iter().flatten() {
            let message =
                format!("{held} already belongs to a colleague or a draft in the company");
            add(
                row,
                problem_of(
                    row,
                    FieldError::new("/employee/initials", "initials_taken", message),
                    csv,
                ),
            );
        }
    }
    let named: Vec<DanishNumber> = named_new.iter().map(|(_, n)| n.clone()).collect();
    let taken = persistence::numbers::unavailable(conn, pools, &named)?;
    for (row, number) in named_new.iter().filter(|(_, n)| taken.contains(n)) {
        let message = format!("{number} is not free; pick another from GET /numbers/available");
        add(
            *row,
            problem_of(
                *row,
                FieldError::new("/number/number", "number_unavailable", message),
                csv,
            ),
        );
    }
    let invalid = u32::try_from(by_row.len()).unwrap_or(u32::MAX);
    let total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let valid_among = |rows: &[u32]| {
        let n = rows.iter().filter(|r| !by_row.contains_key(r)).count();
        i64::try_from(n).unwrap_or(i64::MAX)
    };
    Ok(Checked {
        picked_numbers: valid_among(&picked),
        named_numbers: valid_among(&named_new.iter().map(|(row, _)| *row).collect::<Vec<_>>()),
        port_ins: valid_among(&ported),
        valid: total.saturating_sub(invalid),
        by_row,
    })
}

/// What the company lacks for every row: free numbers for the rows that let the server
/// pick one, or room for the rows' ports under the limit of ports awaiting a signature.
pub(super) fn shortage(
    conn: &mut DbConnection,
    settings: &Settings,
    pools: &persistence::numbers::Pools,
    checked: &Checked,
) -> Result<Option<Problem>, BulkError> {
    let free = persistence::numbers::free_count(conn, pools)?;
    let needed = checked.picked_numbers + checked.named_numbers;
    if needed > free {
        return Ok(Some(Problem::shortage(
            "not_enough_numbers",
            format!(
                "the rows need {needed} new numbers and the pools hold {free} free; ask the \
                 operator for more numbers, or name ported-in numbers"
            ),
            needed,
            free,
        )));
    }
    if checked.port_ins > 0 {
        // The ports awaiting a signature, and those the company's live port-in drafts (a
        // drafted job's among them) will start.
        let waiting = persistence::number_ports::awaiting_signature(conn, pools.company)?
            + persistence::orders::live_port_in_drafts(conn, pools.company, pools.now)?;
        let room = (i64::from(settings.max_unsigned_ports) - waiting).max(0);
        if checked.port_ins > room {
            return Ok(Some(Problem::shortage(
                "too_many_unsigned_ports",
                format!(
                    "the rows port {} numbers in, and the company may have {} more ports \
                     awaiting their owners' signatures ({} at most); upload the rest once \
                     these are signed",
                    checked.port_ins, room, settings.max_unsigned_ports
                ),
                checked.port_ins,
                room,
            )));
        }
    }
    Ok(None)
}
