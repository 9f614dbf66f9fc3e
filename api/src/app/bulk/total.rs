//! What a bulk job's drafted rows cost: each row's order priced as its own draft is, and
//! the job's total, the sum of those.

use domain::bulk::RowStatus;
use domain::money::Ore;
use persistence::bulk_order_rows::BulkRow;

use crate::app::Settings;
use crate::wire::bulk_orders::BulkTotalDto;

/// What each drafted row's order costs.
pub(super) fn priced<'a>(
    settings: &'a Settings,
    rows: &'a [BulkRow],
) -> impl Iterator<Item = domain::pricing::Summary> + 'a {
    rows.iter()
        .filter(|r| r.status == RowStatus::Drafted)
        .filter_map(|row| {
            let field = |name: &str| {
                row.form
                    .get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
            };
            let cards = row
                .form
                .get("data_sharing_cards")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            let cards = i32::try_from(cards).unwrap_or(0);
            settings
                .catalog
                .price(field("plan"), field("mobile_package"), cards)
        })
}

/// What the drafted rows cost together: each order's own totals, added up.
pub(super) fn total(settings: &Settings, rows: &[BulkRow]) -> BulkTotalDto {
    let mut sum = BulkTotalDto {
        orders: 0,
        monthly_ex_vat_ore: 0,
        monthly_vat_ore: 0,
        monthly_incl_vat_ore: 0,
        one_time_ex_vat_ore: 0,
        one_time_vat_ore: 0,
        one_time_incl_vat_ore: 0,
    };
    for s in priced(settings, rows) {
        let add = |total: &mut i64, ore: Ore| *total += ore.value();
        sum.orders += 1;
        add(&mut sum.monthly_ex_vat_ore, s.monthly_ex_vat);
        add(&mut sum.monthly_vat_ore, s.monthly_vat);
        add(&mut sum.monthly_incl_vat_ore, s.monthly_incl_vat);
        add(&mut sum.one_time_ex_vat_ore, s.one_time_ex_vat);
        add(&mut sum.one_time_vat_ore, s.one_time_vat);
        add(&mut sum.one_time_incl_vat_ore, s.one_time_incl_vat);
    }
    sum
}
