//! What the operator sells: subscription plans and mobile (data) packages.

use crate::ValueError;
use crate::money::Ore;

/// The most data-sharing cards (extra data-only SIMs sharing the package) one
/// subscription may have.
pub const MAX_DATA_SHARING_CARDS: i32 = 5;

/// A subscription plan. Larger plans include some data-sharing cards free; beyond
/// those, each card costs `data_sharing_card_price` a month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub code: String,
    pub name: String,
    pub monthly_price: Ore,
    pub included_data_gb: i32,
    pub free_data_sharing_cards: i32,
    pub data_sharing_card_price: Ore,
    pub setup_fee: Ore,
}

/// A mobile data package added to a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MobilePackage {
    pub code: String,
    pub name: String,
    pub data_gb: i32,
    pub monthly_price: Ore,
}

/// Checks a requested number of data-sharing cards: 0 to
/// [`MAX_DATA_SHARING_CARDS`].
pub fn validate_data_sharing_cards(cards: i32) -> Result<i32, ValueError> {
    if (0..=MAX_DATA_SHARING_CARDS).contains(&cards) {
        Ok(cards)
    } else {
        Err(ValueError::new(
            "data_sharing_cards_out_of_range",
            format!(
                "a subscription has 0 to {MAX_DATA_SHARING_CARDS} data-sharing cards, not {cards}"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_to_five_data_sharing_cards_are_accepted() {
        for cards in 0..=MAX_DATA_SHARING_CARDS {
            assert_eq!(validate_data_sharing_cards(cards), Ok(cards));
        }
    }

    #[test]
    fn a_negative_or_too_large_number_of_cards_is_rejected() {
        for cards in [-1, MAX_DATA_SHARING_CARDS + 1] {
            assert_eq!(
                validate_data_sharing_cards(cards).unwrap_err().code,
                "data_sharing_cards_out_of_range"
            );
        }
    }
}
