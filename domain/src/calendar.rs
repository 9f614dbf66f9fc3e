//! The Danish calendar that number porting runs on: working days, Danish local time
//! (Europe/Copenhagen, computed here from the EU summer-time rule), and port dates.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday,
};

use crate::ValueError;

/// Central European Time, Denmark's standard time.
const CET: FixedOffset = match FixedOffset::east_opt(3600) {
    Some(offset) => offset,
    None => panic!("+01:00 is a valid offset"),
};

/// Central European Summer Time.
const CEST: FixedOffset = match FixedOffset::east_opt(2 * 3600) {
    Some(offset) => offset,
    None => panic!("+02:00 is a valid offset"),
};

/// Numbers move at 02:00 Danish time on the port date, when traffic is lowest.
const PORT_HOUR: i64 = 2;

/// The last year Great Prayer Day (Store bededag) was a public holiday: it was
/// abolished from 2024 (lov nr. 238 af 7. marts 2023).
const LAST_YEAR_WITH_GREAT_PRAYER_DAY: i32 = 2023;

/// A calendar date. Months and days come from this module and are always valid;
/// only a year outside chrono's range (±262 142) could fail, and that saturates.
fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// Easter Sunday in the Gregorian calendar, by the anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher). Most Danish movable holidays are counted from it.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month.unsigned_abs(), day.unsigned_abs())
}

/// The Danish name of the holiday on `date`, if it is one of the days porting
/// treats as non-working (besides weekends). Christmas Eve, Constitution Day and
/// New Year's Eve are not public holidays by law, but banks and operators close,
/// so no number moves on them.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Nytårsdag"),
        (6, 5) => Some("Grundlovsdag"),
        (12, 24) => Some("Juleaftensdag"),
        (12, 25) => Some("Juledag"),
        (12, 26) => Some("2. juledag"),
        (12, 31) => Some("Nytårsaftensdag"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    match (date - easter_sunday(date.year())).num_days() {
        -3 => Some("Skærtorsdag"),
        -2 => Some("Langfredag"),
        1 => Some("2. påskedag"),
        26 if date.year() <= LAST_YEAR_WITH_GREAT_PRAYER_DAY => Some("Store bededag"),
        39 => Some("Kristi himmelfartsdag"),
        50 => Some("2. pinsedag"),
        _ => None,
    }
}

/// Whether `date` is a Danish working day: a weekday that is not a holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && holiday_name(date).is_none()
}

/// The first working day strictly after `date`.
pub fn next_working_day_after(date: NaiveDate) -> NaiveDate {
    let mut day = date + Days::new(1);
    while !is_working_day(day) {
        day = day + Days::new(1);
    }
    day
}

/// The last working day strictly before `date`.
pub fn previous_working_day_before(date: NaiveDate) -> NaiveDate {
    let mut day = date - Days::new(1);
    while !is_working_day(day) {
        day = day - Days::new(1);
    }
    day
}

/// `date` itself if it is a working day, else the next one.
pub fn working_day_on_or_after(date: NaiveDate) -> NaiveDate {
    if is_working_day(date) {
        date
    } else {
        next_working_day_after(date)
    }
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        ymd(year + 1, 1, 1)
    } else {
        ymd(year, month + 1, 1)
    };
    let last_day = first_of_next - Days::new(1);
    last_day - Days::new(u64::from(last_day.weekday().num_days_from_sunday()))
}

/// 01:00 UTC on a date: when EU clocks change.
fn one_am_utc(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc() + TimeDelta::hours(1)
}

/// Denmark's offset from UTC at an instant. Summer time runs from 01:00 UTC on the
/// last Sunday of March to 01:00 UTC on the last Sunday of October (Directive
/// 2000/84/EC art. 2 and 3), the same instant across the EU.
pub fn copenhagen_offset(at: DateTime<Utc>) -> FixedOffset {
    let summer_starts = one_am_utc(last_sunday(at.year(), 3));
    let summer_ends = one_am_utc(last_sunday(at.year(), 10));
    if summer_starts <= at && at < summer_ends {
        CEST
    } else {
        CET
    }
}

/// The calendar date in Denmark at an instant.
pub fn date_in_denmark(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&copenhagen_offset(at)).date_naive()
}

/// The earliest port date for a request the donor received at `received_by_donor`:
/// the first Danish working day after the Danish date of receipt. This is one-day
/// porting: the number must be activated within one working day (EECC, Directive
/// (EU) 2018/1972 art. 106(5)).
pub fn earliest_port_date(received_by_donor: DateTime<Utc>) -> NaiveDate {
    next_working_day_after(date_in_denmark(received_by_donor))
}

/// The port date: the date the owner asked for (moved on to a working day if it is
/// not one), but never before the earliest legal date. A later date lets the owner
/// wait, e.g. for a binding period to end; porting itself never has to wait.
pub fn port_date(received_by_donor: DateTime<Utc>, requested: Option<NaiveDate>) -> NaiveDate {
    let earliest = earliest_port_date(received_by_donor);
    match requested {
        Some(requested) => earliest.max(working_day_on_or_after(requested)),
        None => earliest,
    }
}

/// The instant `time` of Danish time on `date`. For the hours this service names (the
/// start and end of a day), neither ambiguous nor skipped: summer time changes at 02:00
/// and 03:00.
pub fn moment_in_denmark(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time).and_utc();
    let in_summer = local - TimeDelta::hours(2);
    if copenhagen_offset(in_summer) == CEST {
        in_summer
    } else {
        local - TimeDelta::hours(1)
    }
}

/// 00:00 Danish time on `date`: when that day's date-bound work falls due.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    moment_in_denmark(date, NaiveTime::MIN)
}

/// 23:59:59 Danish time on `date`: the last second of that day.
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    moment_in_denmark(
        date,
        NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
    )
}

/// The instant the number moves: 02:00 Danish time on the port date.
///
/// Port dates are working days, so the two days a year when 02:00 is ambiguous or
/// skipped (both Sundays) never occur in practice; should they, the earlier instant
/// is taken in October and 01:00 UTC (the moment the clock jumps) in March.
pub fn port_moment(date: NaiveDate) -> DateTime<Utc> {
    let midnight_utc = date.and_time(NaiveTime::MIN).and_utc();
    let local_two_am = TimeDelta::hours(PORT_HOUR);
    let in_summer = midnight_utc + local_two_am - TimeDelta::hours(2);
    if copenhagen_offset(in_summer) == CEST {
        return in_summer;
    }
    // Either it is winter time, or 02:00 was skipped and this is when the clock jumped.
    midnight_utc + local_two_am - TimeDelta::hours(1)
}

/// A calendar month, written `YYYY-MM`: the period of a monthly report. Its days are
/// Danish calendar dates, as the late days of a port are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    /// Exactly four digits of year, `-`, and two of month from 01 to 12 (`2026-03`).
    pub fn parse(input: &str) -> Result<Month, ValueError> {
        let malformed = || {
            ValueError::new(
                "month_format",
                format!("a month is written YYYY-MM, e.g. 2026-03, not {input:?}"),
            )
        };
        let (year, month) = input.split_once('-').ok_or_else(malformed)?;
        let digits =
            |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let month: u32 = month.parse().map_err(|_| malformed())?;
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(|first| Month { first })
            .ok_or_else(|| {
                ValueError::new(
                    "month_format",
                    format!("there is no month {month:02}; months are 01 to 12"),
                )
            })
    }

    /// The month's first day.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// The month's last day.
    pub fn last_day(self) -> NaiveDate {
        let (year, month) = (self.first.year(), self.first.month());
        let next = if month == 12 {
            ymd(year + 1, 1, 1)
        } else {
            ymd(year, month + 1, 1)
        };
        next - Days::new(1)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[rstest]
    #[case(2019, date(2019, 4, 21))]
    #[case(2023, date(2023, 4, 9))]
    #[case(2024, date(2024, 3, 31))]
    #[case(2025, date(2025, 4, 20))]
    #[case(2026, date(2026, 4, 5))]
    #[case(2027, date(2027, 3, 28))]
    #[case::earliest_possible(2285, date(2285, 3, 22))]
    #[case::latest_possible(2038, date(2038, 4, 25))]
    fn easter_sunday_falls_on_the_known_date(#[case] year: i32, #[case] easter: NaiveDate) {
        assert_eq!(easter_sunday(year), easter);
        assert_eq!(easter.weekday(), Weekday::Sun);
    }

    #[rstest]
    #[case::new_years_day(date(2026, 1, 1))]
    #[case::maundy_thursday(date(2026, 4, 2))]
    #[case::good_friday(date(2026, 4, 3))]
    #[case::easter_monday(date(2026, 4, 6))]
    #[case::ascension_day(date(2026, 5, 14))]
    #[case::whit_monday(date(2026, 5, 25))]
    #[case::constitution_day(date(2026, 6, 5))]
    #[case::christmas_eve(date(2026, 12, 24))]
    #[case::christmas_day(date(2026, 12, 25))]
    #[case::boxing_day(date(2026, 12, 26))]
    #[case::new_years_eve(date(2026, 12, 31))]
    fn every_holiday_of_2026_is_not_a_working_day(#[case] holiday: NaiveDate) {
        assert!(!is_working_day(holiday));
        assert!(holiday_name(holiday).is_some());
    }

    #[test]
    fn a_weekend_is_not_a_working_day() {
        assert!(!is_working_day(date(2026, 3, 14)));
        assert!(!is_working_day(date(2026, 3, 15)));
        assert_eq!(holiday_name(date(2026, 3, 14)), None);
    }

    #[test]
    fn an_ordinary_weekday_is_a_working_day() {
        assert!(is_working_day(date(2026, 3, 10)));
        assert!(is_working_day(date(2026, 4, 1)));
        assert!(is_working_day(date(2026, 4, 7)));
    }

    #[test]
    fn great_prayer_day_2023_was_a_holiday() {
        // Easter 2023 was 9 April; Great Prayer Day 26 days later, Friday 5 May.
        assert_eq!(holiday_name(date(2023, 5, 5)), Some("Store bededag"));
        assert!(!is_working_day(date(2023, 5, 5)));
    }

    #[test]
    fn great_prayer_day_is_a_working_day_from_2024() {
        // Easter 2024 was 31 March; Great Prayer Day would have been Friday 26 April.
        assert!(is_working_day(date(2024, 4, 26)));
        assert!(is_working_day(date(2026, 5, 1)));
    }

    #[test]
    fn the_working_day_after_a_friday_is_the_monday() {
        assert_eq!(next_working_day_after(date(2026, 3, 13)), date(2026, 3, 16));
    }

    #[test]
    fn the_working_day_after_the_wednesday_before_easter_is_the_tuesday_after() {
        assert_eq!(next_working_day_after(date(2026, 4, 1)), date(2026, 4, 7));
    }

    #[test]
    fn the_working_day_before_the_tuesday_after_easter_is_the_wednesday_before() {
        assert_eq!(
            previous_working_day_before(date(2026, 4, 7)),
            date(2026, 4, 1)
        );
    }

    #[test]
    fn the_working_days_around_christmas_and_new_year_skip_the_holidays() {
        // 23 Dec 2026 is a Wednesday; 24, 25, 26, 31 Dec and 1 Jan are holidays.
        assert_eq!(
            next_working_day_after(date(2026, 12, 23)),
            date(2026, 12, 28)
        );
        assert_eq!(next_working_day_after(date(2026, 12, 30)), date(2027, 1, 4));
        assert_eq!(
            previous_working_day_before(date(2027, 1, 4)),
            date(2026, 12, 30)
        );
    }

    #[test]
    fn a_working_day_is_its_own_working_day_on_or_after() {
        assert_eq!(
            working_day_on_or_after(date(2026, 3, 10)),
            date(2026, 3, 10)
        );
        assert_eq!(
            working_day_on_or_after(date(2026, 3, 14)),
            date(2026, 3, 16)
        );
    }

    #[rstest]
    #[case::winter(utc(2026, 1, 15, 12, 0), 1)]
    #[case::summer(utc(2026, 7, 15, 12, 0), 2)]
    #[case::just_before_summer_time_2026(utc(2026, 3, 29, 0, 59), 1)]
    #[case::summer_time_starts_2026(utc(2026, 3, 29, 1, 0), 2)]
    #[case::just_before_winter_time_2026(utc(2026, 10, 25, 0, 59), 2)]
    #[case::winter_time_starts_2026(utc(2026, 10, 25, 1, 0), 1)]
    #[case::summer_time_starts_2025(utc(2025, 3, 30, 1, 0), 2)]
    #[case::winter_time_starts_2025(utc(2025, 10, 26, 1, 0), 1)]
    fn copenhagen_follows_the_eu_summer_time_rule(#[case] at: DateTime<Utc>, #[case] hours: i32) {
        assert_eq!(copenhagen_offset(at).local_minus_utc(), hours * 3600);
    }

    #[test]
    fn late_evening_utc_is_already_the_next_day_in_denmark() {
        assert_eq!(date_in_denmark(utc(2026, 3, 12, 22, 30)), date(2026, 3, 12));
        assert_eq!(date_in_denmark(utc(2026, 3, 12, 23, 30)), date(2026, 3, 13));
        assert_eq!(date_in_denmark(utc(2026, 6, 12, 22, 30)), date(2026, 6, 13));
    }

    #[test]
    fn a_request_received_on_a_friday_can_port_on_monday() {
        assert_eq!(
            earliest_port_date(utc(2026, 3, 13, 10, 0)),
            date(2026, 3, 16)
        );
    }

    #[test]
    fn a_request_received_late_thursday_evening_danish_time_is_a_friday_request() {
        // 23:30 UTC on Thursday 12 March is 00:30 on Friday 13 March in Denmark.
        assert_eq!(
            earliest_port_date(utc(2026, 3, 12, 23, 30)),
            date(2026, 3, 16)
        );
    }

    #[test]
    fn a_request_received_before_easter_ports_on_the_tuesday_after_easter_monday() {
        assert_eq!(earliest_port_date(utc(2026, 4, 1, 9, 0)), date(2026, 4, 7));
    }

    #[test]
    fn a_request_received_on_a_weekday_can_port_the_next_working_day() {
        assert_eq!(
            earliest_port_date(utc(2026, 3, 10, 9, 0)),
            date(2026, 3, 11)
        );
    }

    #[test]
    fn without_a_requested_date_the_port_date_is_the_earliest() {
        assert_eq!(port_date(utc(2026, 3, 10, 9, 0), None), date(2026, 3, 11));
    }

    #[test]
    fn a_later_requested_working_day_is_kept() {
        assert_eq!(
            port_date(utc(2026, 3, 10, 9, 0), Some(date(2026, 3, 20))),
            date(2026, 3, 20)
        );
    }

    #[test]
    fn a_requested_date_that_is_not_a_working_day_moves_to_the_next_one() {
        // Saturday 21 March → Monday 23 March.
        assert_eq!(
            port_date(utc(2026, 3, 10, 9, 0), Some(date(2026, 3, 21))),
            date(2026, 3, 23)
        );
    }

    #[test]
    fn a_requested_date_before_the_earliest_gives_the_earliest() {
        assert_eq!(
            port_date(utc(2026, 3, 10, 9, 0), Some(date(2026, 3, 10))),
            date(2026, 3, 11)
        );
        assert_eq!(
            port_date(utc(2026, 3, 10, 9, 0), Some(date(2026, 1, 5))),
            date(2026, 3, 11)
        );
    }

    #[rstest]
    #[case::winter(date(2026, 3, 16), utc(2026, 3, 16, 1, 0))]
    #[case::summer(date(2026, 6, 16), utc(2026, 6, 16, 0, 0))]
    #[case::day_after_summer_time_starts(date(2026, 3, 30), utc(2026, 3, 30, 0, 0))]
    #[case::day_after_winter_time_starts(date(2026, 10, 26), utc(2026, 10, 26, 1, 0))]
    #[case::summer_time_sunday_at_the_jump(date(2026, 3, 29), utc(2026, 3, 29, 1, 0))]
    #[case::winter_time_sunday_first_two_am(date(2026, 10, 25), utc(2026, 10, 25, 0, 0))]
    fn numbers_move_at_two_in_the_morning_danish_time(
        #[case] port_date: NaiveDate,
        #[case] moment: DateTime<Utc>,
    ) {
        assert_eq!(port_moment(port_date), moment);
    }

    #[test]
    fn the_port_moment_is_on_the_port_date_in_denmark() {
        let mut day = date(2026, 1, 1);
        while day.year() == 2026 {
            let moment = port_moment(day);
            assert_eq!(date_in_denmark(moment), day, "{day}");
            day = day + Days::new(1);
        }
    }

    #[rstest]
    #[case::winter("2026-03", date(2026, 3, 1), date(2026, 3, 31))]
    #[case::december("2026-12", date(2026, 12, 1), date(2026, 12, 31))]
    #[case::leap_february("2028-02", date(2028, 2, 1), date(2028, 2, 29))]
    #[case::plain_february("2027-02", date(2027, 2, 1), date(2027, 2, 28))]
    fn a_month_runs_from_its_first_to_its_last_day(
        #[case] written: &str,
        #[case] first: NaiveDate,
        #[case] last: NaiveDate,
    ) {
        let month = Month::parse(written).unwrap();
        assert_eq!((month.first_day(), month.last_day()), (first, last));
        assert_eq!(month.to_string(), written);
    }

    #[rstest]
    #[case::no_such_month("2026-13")]
    #[case::month_zero("2026-00")]
    #[case::letters("abc")]
    #[case::empty("")]
    #[case::one_digit_month("2026-3")]
    #[case::a_day_too("2026-03-01")]
    #[case::short_year("26-03")]
    #[case::signed_year("+026-03")]
    #[case::spaces(" 2026-03")]
    #[case::other_separator("2026/03")]
    fn a_month_not_written_yyyy_mm_is_refused(#[case] written: &str) {
        assert_eq!(Month::parse(written).unwrap_err().code, "month_format");
    }
}
