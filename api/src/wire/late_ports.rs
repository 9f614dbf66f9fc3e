//! The operator's monthly report of late ports on the wire: JSON, or CSV for a spreadsheet
//! or the bookkeeping (`Accept: text/csv`).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LatePortsQuery {
    /// The month whose late working days are reported (Danish calendar dates).
    #[param(value_type = crate::wire::text::Month, inline)]
    pub month: String,
}

/// The ports that were late in a month, what their late days in that month owe, and the
/// totals per company. A port late across two months appears in each with that month's
/// days.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "month": "2026-03",
    "ports": [{
        "port_id": "01937a4f-1000-7cc3-9a51-3b1f0c9d2e47",
        "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
        "company_name": "Nordlys Rådgivning ApS", "sandbox": false, "number": "+4522334455", "status": "completed",
        "deadline": "2026-03-10T22:59:59Z", "delayed_working_days": 3, "compensation_ore": 15000
    }],
    "companies": [{
        "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
        "company_name": "Nordlys Rådgivning ApS", "sandbox": false, "ports": 1, "delayed_working_days": 3,
        "compensation_ore": 15000
    }],
    "total_compensation_ore": 15000
}))]
pub struct LatePortsReport {
    /// The month reported, `YYYY-MM`.
    pub month: String,
    /// Each port with late working days in the month, by company name.
    pub ports: Vec<LatePortDto>,
    /// Each company with a late port in the month, by name.
    pub companies: Vec<LateCompanyDto>,
    /// What all the month's late days owe real companies, in øre (sandboxes' owe nothing).
    pub total_compensation_ore: i64,
}

/// One port's late days in the month. Also a row of the CSV, in this order.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatePortDto {
    pub port_id: Uuid,
    pub company_id: Uuid,
    pub company_name: String,
    /// A sandbox company's port: its days are its test clock's, shown to try the report
    /// out, and owe nothing.
    pub sandbox: bool,
    /// E.164.
    pub number: String,
    /// The port's state now.
    pub status: String,
    /// When the number had to have moved: the end (23:59:59 Danish time) of the deadline
    /// day of the port's latest submission.
    #[serde(serialize_with = "super::time::rfc3339")]
    pub deadline: DateTime<Utc>,
    /// The port's late working days that fall in the month.
    pub delayed_working_days: i32,
    /// What those days owe, in øre.
    pub compensation_ore: i64,
}

/// A company's late ports in the month, added up.
#[derive(Debug, Serialize, ToSchema)]
pub struct LateCompanyDto {
    pub company_id: Uuid,
    pub company_name: String,
    /// A sandbox company: not in `total_compensation_ore`.
    pub sandbox: bool,
    /// How many of its ports were late in the month.
    pub ports: i32,
    /// Their late working days in the month.
    pub delayed_working_days: i32,
    /// What those days owe, in øre.
    pub compensation_ore: i64,
}

/// The CSV's header row: the fields of [`LatePortDto`].
pub const CSV_COLUMNS: [&str; 9] = [
    "port_id",
    "company_id",
    "company_name",
    "sandbox",
    "number",
    "status",
    "deadline",
    "delayed_working_days",
    "compensation_ore",
];

impl LatePortsReport {
    /// The ports as CSV (RFC 4180: CRLF line ends, quoted where needed): the header row,
    /// then one row per port with the JSON's values. The totals are left to the
    /// spreadsheet, so every row has the same columns.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut out = super::spreadsheet::writer(b',');
        out.write_record(CSV_COLUMNS)?;
        for port in &self.ports {
            out.write_record(port.csv_row().iter().map(|cell| cell.as_bytes()))?;
        }
        super::spreadsheet::finish(out)
    }
}

impl LatePortDto {
    fn csv_row(&self) -> [Cow<'_, str>; 9] {
        [
            self.port_id.to_string().into(),
            self.company_id.to_string().into(),
            super::spreadsheet::safe(&self.company_name),
            self.sandbox.to_string().into(),
            self.number.as_str().into(),
            self.status.as_str().into(),
            super::time::format_rfc3339(&self.deadline).into(),
            self.delayed_working_days.to_string().into(),
            self.compensation_ore.to_string().into(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn report(company_name: &str) -> LatePortsReport {
        let port = LatePortDto {
            port_id: Uuid::nil(),
            company_id: Uuid::max(),
            company_name: company_name.to_owned(),
            sandbox: false,
            number: "+4522334455".to_owned(),
            status: "completed".to_owned(),
            deadline: Utc.with_ymd_and_hms(2026, 3, 10, 22, 59, 59).unwrap(),
            delayed_working_days: 3,
            compensation_ore: 15000,
        };
        LatePortsReport {
            month: "2026-03".to_owned(),
            ports: vec![port],
            companies: Vec::new(),
            total_compensation_ore: 15000,
        }
    }

    fn csv(report: &LatePortsReport) -> String {
        String::from_utf8(report.to_csv().unwrap()).unwrap()
    }

    #[test]
    fn the_csv_has_a_header_row_and_one_row_per_port_with_crlf_line_ends() {
        assert_eq!(
            csv(&report("Nordlys Rådgivning ApS")),
            "port_id,company_id,company_name,sandbox,number,status,deadline,delayed_working_days,compensation_ore\r\n\
             00000000-0000-0000-0000-000000000000,ffffffff-ffff-ffff-ffff-ffffffffffff,\
             Nordlys Rådgivning ApS,false,+4522334455,completed,2026-03-10T22:59:59Z,3,15000\r\n"
        );
    }

    #[test]
    fn a_month_without_late_ports_is_the_header_row_alone() {
        let mut empty = report("Nordlys ApS");
        empty.ports.clear();
        assert_eq!(csv(&empty).lines().count(), 1);
    }

    #[test]
    fn a_company_name_with_a_comma_or_a_quote_stays_one_cell() {
        let written = csv(&report("Hansen, \"Jensen\" & Co ApS"));
        assert!(
            written.contains(",\"Hansen, \"\"Jensen\"\" & Co ApS\","),
            "{written}"
        );
    }

    #[test]
    fn a_company_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text() {
        for name in [
            "=HYPERLINK(\"http://evil.example\")",
            "+45 ApS",
            "-2+3",
            "@SUM(A1)",
            "\t=1+1",
        ] {
            let written = csv(&report(name));
            let row = written.lines().nth(1).unwrap();
            let cell = row.split(',').nth(2).unwrap();
            assert!(
                cell.starts_with('\'') || cell.starts_with("\"'"),
                "{name:?} became {cell:?}"
            );
        }
    }

    #[test]
    fn an_ordinary_company_name_is_written_as_it_is() {
        assert_eq!(crate::wire::spreadsheet::safe("Nordlys ApS"), "Nordlys ApS");
        assert_eq!(
            crate::wire::spreadsheet::safe("3 Brødre ApS"),
            "3 Brødre ApS"
        );
        assert_eq!(
            crate::wire::spreadsheet::safe("Navn-med-bindestreg"),
            "Navn-med-bindestreg"
        );
    }
}
