//! Money. Amounts are whole øre (1 krone = 100 øre) in an integer, so sums are exact;
//! prices are ex VAT unless a name says otherwise.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Sub};

/// Danish VAT ("moms") is 25 % (Momsloven §33).
pub const VAT_PERCENT: i64 = 25;

/// An amount in øre.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Ore(i64);

impl Ore {
    pub const ZERO: Ore = Ore(0);

    pub const fn new(ore: i64) -> Self {
        Self(ore)
    }

    pub const fn value(self) -> i64 {
        self.0
    }

    /// The VAT on this amount: 25 %, rounded half-up to whole øre (a half øre is
    /// rounded away from zero, so a credit rounds like the charge it reverses).
    pub fn vat(self) -> Ore {
        let hundredths_of_ore = i128::from(self.0) * i128::from(VAT_PERCENT);
        let magnitude = (hundredths_of_ore.abs() + 50) / 100;
        let vat = if hundredths_of_ore < 0 {
            -magnitude
        } else {
            magnitude
        };
        // 25 % of an i64 always fits in an i64.
        Ore(i64::try_from(vat).unwrap_or(if vat < 0 { i64::MIN } else { i64::MAX }))
    }

    /// The amount with VAT added.
    pub fn incl_vat(self) -> Ore {
        self + self.vat()
    }
}

impl Add for Ore {
    type Output = Ore;

    fn add(self, other: Ore) -> Ore {
        Ore(self.0 + other.0)
    }
}

impl AddAssign for Ore {
    fn add_assign(&mut self, other: Ore) {
        self.0 += other.0;
    }
}

impl Sub for Ore {
    type Output = Ore;

    fn sub(self, other: Ore) -> Ore {
        Ore(self.0 - other.0)
    }
}

impl Mul<i64> for Ore {
    type Output = Ore;

    fn mul(self, factor: i64) -> Ore {
        Ore(self.0 * factor)
    }
}

impl Sum for Ore {
    fn sum<I: Iterator<Item = Ore>>(iter: I) -> Ore {
        iter.fold(Ore::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Ore> for Ore {
    fn sum<I: Iterator<Item = &'a Ore>>(iter: I) -> Ore {
        iter.copied().sum()
    }
}

/// Danish formatting: `.` between thousands, `,` before the øre, then "kr.":
/// 123450 øre is "1.234,50 kr.".
impl fmt::Display for Ore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let kroner = (magnitude / 100).to_string();
        let ore = magnitude % 100;
        let mut grouped = String::with_capacity(kroner.len() + kroner.len() / 3);
        for (i, digit) in kroner.chars().enumerate() {
            if i > 0 && (kroner.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(digit);
        }
        write!(f, "{sign}{grouped},{ore:02} kr.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(0, "0,00 kr.")]
    #[case(5, "0,05 kr.")]
    #[case(9900, "99,00 kr.")]
    #[case(99_950, "999,50 kr.")]
    #[case(123_450, "1.234,50 kr.")]
    #[case(100_000_000, "1.000.000,00 kr.")]
    #[case(-123_450, "-1.234,50 kr.")]
    fn an_amount_is_shown_the_danish_way(#[case] ore: i64, #[case] shown: &str) {
        assert_eq!(Ore::new(ore).to_string(), shown);
    }

    #[rstest]
    #[case::exact(10_000, 2_500)]
    #[case::quarter_rounds_down(1, 0)]
    #[case::half_rounds_up(2, 1)]
    #[case::three_quarters_rounds_up(3, 1)]
    #[case::plan_price(19_900, 4_975)]
    #[case::odd_price(12_345, 3_086)] // 3086.25
    #[case::half_at_scale(12_346, 3_087)] // 3086.5
    #[case::zero(0, 0)]
    #[case::credit_rounds_like_the_charge(-2, -1)]
    fn vat_is_25_percent_rounded_half_up_to_whole_ore(#[case] amount: i64, #[case] vat: i64) {
        assert_eq!(Ore::new(amount).vat(), Ore::new(vat));
    }

    #[test]
    fn an_amount_incl_vat_is_the_amount_plus_its_vat() {
        assert_eq!(Ore::new(19_900).incl_vat(), Ore::new(24_875));
    }

    #[test]
    fn amounts_add_subtract_multiply_and_sum_exactly() {
        let price = Ore::new(4_900);
        assert_eq!(price + Ore::new(100), Ore::new(5_000));
        assert_eq!(price - Ore::new(900), Ore::new(4_000));
        assert_eq!(price * 3, Ore::new(14_700));
        assert_eq!([price, price].into_iter().sum::<Ore>(), Ore::new(9_800));
        assert_eq!([price, price].iter().sum::<Ore>(), Ore::new(9_800));
        let mut total = Ore::ZERO;
        total += price;
        assert_eq!(total, price);
    }

    #[test]
    fn the_default_amount_is_zero() {
        assert_eq!(Ore::default(), Ore::ZERO);
        assert_eq!(Ore::ZERO.value(), 0);
    }

    #[test]
    fn amounts_order_by_value() {
        assert!(Ore::new(-1) < Ore::ZERO);
        assert!(Ore::new(100) > Ore::new(99));
    }
}
