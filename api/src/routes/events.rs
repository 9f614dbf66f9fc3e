//! The company's events, for partners that poll or missed a webhook delivery.

use actix_web::{HttpResponse, get, web};
use domain::event::EventType;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::CompanyReader;
use crate::body::Query;
use crate::error::ApiResult;
use crate::http::filtered_list_params;
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::events::{EventDto, EventListQuery};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}

/// The company's events of the last 30 days, oldest first: the same objects its webhooks
/// carry.
#[utoipa::path(
    tag = "events",
    operation_id = "list_events",
    summary = "List events",
    security(("oauth2" = []), ("bearer" = [])),
    params(EventListQuery),
    responses((status = 200, description = "A page of events", body = Page<EventDto>))
)]
#[get("/events")]
async fn list_events(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<EventListQuery>,
) -> ApiResult<HttpResponse> {
    let types = EventType::ALL.map(|t| t.as_str()).join(", ");
    let (after, limit, kind) = filtered_list_params::<EventType>(
        query.cursor.as_deref(),
        query.limit,
        "type",
        query.event_type.as_deref(),
        &types,
    )?;
    let company = who.company();
    let scope = who.0.scope.clone();
    let page: Page<EventDto> = state
        .run(move |conn| crate::app::events::list(conn, (company, &scope), kind, after, limit))
        .await?
        .into();
    Ok(HttpResponse::Ok().json(page))
}
