//! The operator's monthly report of late ports (Teleloven §27 stk. 4): each port with late
//! working days in a Danish calendar month, what those days owe, and the totals per
//! company, for paying the compensation out.

use domain::calendar::Month;
use persistence::DbConnection;
use persistence::port_deadlines::LatePort;

use crate::wire::late_ports::{LateCompanyDto, LatePortDto, LatePortsReport};

/// The late days of `month`, whatever month each port's deadline fell in: a port late
/// across two months is in both reports, each with its own days.
pub fn late_ports(conn: &mut DbConnection, month: Month) -> persistence::Result<LatePortsReport> {
    let late = persistence::db::read(conn, |conn| {
        persistence::port_deadlines::late_between(conn, month.first_day(), month.last_day())
    })?;
    Ok(report(month, late))
}

/// The report of `late` (by company name, then port), with the companies in the order
/// their ports come.
fn report(month: Month, late: Vec<LatePort>) -> LatePortsReport {
    let ports: Vec<LatePortDto> = late.into_iter().map(LatePortDto::from).collect();
    let mut companies: Vec<LateCompanyDto> = Vec::new();
    for port in &ports {
        let at = companies
            .iter()
            .position(|c| c.company_id == port.company_id)
            .unwrap_or_else(|| {
                companies.push(LateCompanyDto {
                    company_id: port.company_id,
                    company_name: port.company_name.clone(),
                    sandbox: port.sandbox,
                    ports: 0,
                    delayed_working_days: 0,
                    compensation_ore: 0,
                });
                companies.len() - 1
            });
        let company = &mut companies[at];
        company.ports += 1;
        company.delayed_working_days += port.delayed_working_days;
        company.compensation_ore += port.compensation_ore;
    }
    LatePortsReport {
        month: month.to_string(),
        total_compensation_ore: companies
            .iter()
            .filter(|c| !c.sandbox)
            .map(|c| c.compensation_ore)
            .sum(),
        ports,
        companies,
    }
}

impl From<LatePort> for LatePortDto {
    fn from(late: LatePort) -> Self {
        LatePortDto {
            port_id: late.port,
            company_id: late.company,
            company_name: late.company_name,
            sandbox: late.sandbox,
            number: late.number,
            status: late.status,
            deadline: domain::calendar::end_of_day(late.deadline_on),
            delayed_working_days: i32::try_from(late.days).unwrap_or(i32::MAX),
            compensation_ore: late.compensation_ore,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use uuid::Uuid;

    use super::*;

    fn late(port: u128, company: u128, name: &str, days: i64) -> LatePort {
        LatePort {
            port: Uuid::from_u128(port),
            company: Uuid::from_u128(company),
            company_name: name.to_owned(),
            sandbox: false,
            number: "+4522334455".to_owned(),
            status: "completed".to_owned(),
            deadline_on: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            days,
            compensation_ore: days * 5000,
        }
    }

    fn march() -> Month {
        Month::parse("2026-03").unwrap()
    }

    #[test]
    fn each_company_adds_up_its_ports_and_the_total_adds_up_the_companies() {
        let report = report(
            march(),
            vec![
                late(1, 10, "Alfa ApS", 3),
                late(2, 10, "Alfa ApS", 1),
                late(3, 20, "Beta ApS", 2),
            ],
        );
        assert_eq!(report.month, "2026-03");
        assert_eq!(report.ports.len(), 3);
        let totals: Vec<_> = report
            .companies
            .iter()
            .map(|c| {
                (
                    c.company_name.as_str(),
                    c.ports,
                    c.delayed_working_days,
                    c.compensation_ore,
                )
            })
            .collect();
        assert_eq!(
            totals,
            [("Alfa ApS", 2, 4, 20000), ("Beta ApS", 1, 2, 10000)]
        );
        assert_eq!(report.total_compensation_ore, 30000);
    }

    #[test]
    fn two_companies_of_the_same_name_are_added_up_apart() {
        let report = report(
            march(),
            vec![
                late(1, 10, "Nordlys ApS", 1),
                late(2, 20, "Nordlys ApS", 1),
                late(3, 10, "Nordlys ApS", 1),
            ],
        );
        let ports: Vec<_> = report.companies.iter().map(|c| c.ports).collect();
        assert_eq!(ports, [2, 1]);
    }

    #[test]
    fn a_month_without_late_ports_owes_nothing() {
        let report = report(march(), Vec::new());
        assert!(report.ports.is_empty() && report.companies.is_empty());
        assert_eq!(report.total_compensation_ore, 0);
    }

    #[test]
    fn the_deadline_is_the_end_of_the_deadline_day_in_denmark() {
        let dto = LatePortDto::from(late(1, 10, "Alfa ApS", 3));
        assert_eq!(dto.deadline.to_rfc3339(), "2026-03-10T22:59:59+00:00");
    }
}
