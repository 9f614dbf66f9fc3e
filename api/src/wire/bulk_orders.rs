//! Bulk jobs on the wire: the upload (CSV or JSON rows), the dry run's answer, the job
//! and its rows.

use chrono::{DateTime, Utc};
use domain::bulk::{BulkStatus, Problem, RowStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The rows as JSON: each one the form `POST /orders` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rows": [
    {"plan": "ERHVERV_M", "mobile_package": "DATA_50", "data_sharing_cards": 0,
     "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"}},
    {"plan": "ERHVERV_S", "mobile_package": "DATA_10",
     "employee": {"name": "Jonas Berg", "initials": "JB", "title": "Konsulent", "email": "jonas@nordlys.example"},
     "number": {"type": "port_in", "number": "+4522334455", "owner_email": "jonas@nordlys.example", "owner_name": "Jonas Berg"}}
]}))]
pub struct BulkRows {
    /// 1 to 1,000 rows, each an order form as `POST /orders` takes it (`OrderForm`). A
    /// row is read and checked on its own: one that is not a valid form is a problem of
    /// that row (in the dry run's answer, or the job's), not of the request.
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<serde_json::Value>)]
    pub rows: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `true`: check every row and answer at once with every problem; nothing is written.
    #[param(example = true)]
    pub dry_run: Option<bool>,
}

/// A problem with a row (or, without `row`, with the whole job).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"row": 3, "column": "initials", "pointer": "/employee/initials", "code": "required", "message": "missing field `initials`"}))]
pub struct BulkProblemDto {
    /// The data row, counted from 1 (a CSV header is not a row).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub row: Option<u32>,
    /// The CSV column (a CSV upload only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The field in the row's order form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub code: String,
    pub message: String,
    /// With `not_enough_numbers`: the new numbers the rows need.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed: Option<i64>,
    /// With `not_enough_numbers`: the free numbers in the pools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free: Option<i64>,
}

impl From<Problem> for BulkProblemDto {
    fn from(p: Problem) -> Self {
        BulkProblemDto {
            row: p.row,
            column: p.column,
            pointer: p.pointer,
            code: p.code,
            message: p.message,
            needed: p.needed,
            free: p.free,
        }
    }
}

/// The dry run's answer: every problem of every row; nothing was written.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"rows": 50, "valid": 46, "problems": [
    {"row": 3, "column": "plan", "pointer": "/plan", "code": "unknown_plan", "message": "there is no plan \"ERHVERV_XXL\"; see GET /catalog/plans"},
    {"row": 7, "column": "initials", "pointer": "/employee/initials", "code": "required", "message": "missing field `initials`"}
]}))]
pub struct DryRunDto {
    /// How many data rows the upload has.
    pub rows: u32,
    /// How many of them have no problem.
    pub valid: u32,
    pub problems: Vec<BulkProblemDto>,
}

/// What a drafted job's orders cost together, in øre; VAT is 25 %.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkTotalDto {
    /// How many orders the total covers.
    pub orders: i64,
    pub monthly_ex_vat_ore: i64,
    pub monthly_vat_ore: i64,
    pub monthly_incl_vat_ore: i64,
    pub one_time_ex_vat_ore: i64,
    pub one_time_vat_ore: i64,
    pub one_time_incl_vat_ore: i64,
}

/// A bulk job, with counts a client draws its progress from.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-9999-7cc3-9a51-3b1f0c9d2e47", "status": "drafted", "version": 3, "format": "csv",
    "total": 5, "drafted": 5, "confirmed": 0, "failed": 0, "invalid": 0,
    "summary": {"orders": 5, "monthly_ex_vat_ore": 99500, "monthly_vat_ore": 24875, "monthly_incl_vat_ore": 124375, "one_time_ex_vat_ore": 0, "one_time_vat_ore": 0, "one_time_incl_vat_ore": 0},
    "problems": [], "created_by": "01937a4e-9b10-7d2e-8f3a-1c2d3e4f5a6b",
    "created_at": "2026-12-07T09:00:00Z", "updated_at": "2026-12-07T09:00:02Z", "expires_at": "2026-12-07T09:30:00Z"
}))]
pub struct BulkOrderDto {
    pub id: Uuid,
    #[schema(value_type = BulkStatusSchema)]
    pub status: String,
    /// Send it back as `If-Match: "<version>"` to confirm exactly what you reviewed.
    pub version: i32,
    /// What was uploaded: `csv` or `json`.
    #[schema(value_type = String, pattern = "^(csv|json)$")]
    pub format: String,
    /// How many rows the job has.
    pub total: i32,
    /// Rows that became a draft (those confirmed or failed since included).
    pub drafted: i64,
    /// Rows whose subscription exists.
    pub confirmed: i64,
    /// Rows whose draft could not be confirmed.
    pub failed: i64,
    /// Rows that break a rule (an `invalid` job's).
    pub invalid: i64,
    /// The drafts' priced total, once drafted.
    pub summary: Option<BulkTotalDto>,
    /// The job's problems: every row's for an `invalid` job, the reason for a `failed` one.
    pub problems: Vec<BulkProblemDto>,
    /// The id of the user (or API client) who uploaded the job.
    pub created_by: String,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// When a drafted job's drafts lapse and let their numbers go.
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The latest approval asked for the job (the company's approval rule caught its
    /// confirm); `null` when none was.
    pub approval: Option<super::orders::ApprovalDto>,
}

super::state_schema!(
    /// A bulk job's state.
    BulkStatusSchema => BulkStatus
);

super::state_schema!(
    /// A bulk job row's state.
    RowStatusSchema => RowStatus
);

/// One row of a job and what became of it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"row": 1, "order_id": "01937a4e-1111-7cc3-9a51-3b1f0c9d2e47", "subscription_id": null, "number_port_id": null, "status": "drafted", "problems": []}))]
pub struct BulkRowDto {
    #[schema(minimum = 1)]
    pub row: u32,
    pub order_id: Option<Uuid>,
    pub subscription_id: Option<Uuid>,
    pub number_port_id: Option<Uuid>,
    #[schema(value_type = RowStatusSchema)]
    pub status: String,
    pub problems: Vec<BulkProblemDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BulkListQuery {
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BulkRowsQuery {
    /// `next_cursor` of the previous page (a row number).
    #[param(value_type = Option<String>, pattern = "^[0-9]{0,4}$", max_length = 4, example = "50")]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50). A CSV answer has every row.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}
