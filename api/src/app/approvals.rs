//! What the approval of an order and of a bulk job share: who asked, who may answer, and
//! who is told.

use chrono::NaiveDateTime;
use domain::approval::{Answer, Approval, ApprovalKind, ApprovalRule, Decision};
use persistence::DbConnection;
use uuid::Uuid;

use super::{Principal, Settings};

/// Why an answer to an approval was refused, or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// The admin who asked for an approval cannot give it (four eyes).
    #[error("the approval was asked for by the same user")]
    SelfApproval,
    /// An approval is a person's: an API client cannot give it.
    #[error("an API client cannot approve")]
    ClientCannotApprove,
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What waits for approval: its kind, its id and its company, and how the email names it.
pub(crate) struct Subject<'a> {
    pub kind: ApprovalKind,
    pub id: Uuid,
    pub company: Uuid,
    /// "et abonnement til Mette Hansen (MH)", "12 abonnementer fra en masseoprettelse".
    pub what: &'a str,
    /// Its employees' cost centres: only an admin whose scope covers them all may approve.
    pub cost_centers: Vec<Option<&'a str>>,
}

/// The user or API client `who` is.
pub(crate) fn caller(who: &Principal) -> anyhow::Result<Uuid> {
    Uuid::parse_str(&who.subject)
        .map_err(|_| anyhow::anyhow!("a company caller without an id: {}", who.subject))
}

/// Asks for `subject`'s approval as `who` under `rule` at the company's business time
/// `now`: the approval is stored as the subject's latest, and the company's admins who
/// could give it are emailed. Part of the caller's transaction.
pub(crate) fn ask(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    subject: &Subject<'_>,
    rule: &ApprovalRule,
    now: NaiveDateTime,
) -> Result<Approval, ApprovalError> {
    let asker = caller(who)?;
    let approval = Approval {
        subject: subject.id,
        company: subject.company,
        kind: subject.kind,
        requested_by: asker,
        requested_at: now,
        expires_at: rule.expiry(now),
        answer: None,
    };
    persistence::approvals::save(conn, &approval)?;
    let path = match subject.kind {
        ApprovalKind::Order => "orders",
        ApprovalKind::BulkOrder => "bulk-orders",
    };
    let company = persistence::companies::get(conn, subject.company)?;
    let email = crate::emails::approval_requested(
        subject.what,
        company.name.as_str(),
        &format!("{}/{path}/{}", settings.public_url, subject.id),
        approval.expires_at.and_utc(),
    );
    let covering = persistence::users::approvers(conn, subject.company, asker)?
        .into_iter()
        .filter(|admin| subject.cost_centers.iter().all(|c| admin.scope.covers(*c)));
    for admin in covering {
        persistence::outbox::enqueue(
            conn,
            persistence::outbox::NewMessage {
                company_id: Some(subject.company),
                kind: "approval_requested",
                recipient: admin.email.as_str(),
                subject: &email.subject,
                body: &email.body,
                created_at: now,
            },
        )?;
    }
    Ok(approval)
}

/// `who`'s answer to `approval` at `now`, stored. A yes needs a person of the company
/// who did not ask; a no (with its reason) is any admin's, the maker's too.
pub(crate) fn answer(
    conn: &mut DbConnection,
    who: &Principal,
    mut approval: Approval,
    decision: Decision,
    reason: Option<String>,
    now: NaiveDateTime,
) -> Result<Approval, ApprovalError> {
    let by = caller(who)?;
    if decision == Decision::Approved {
        if persistence::users::in_company(conn, approval.company, by)?.is_none() {
            return Err(ApprovalError::ClientCannotApprove);
        }
        if approval.requested_by == by {
            return Err(ApprovalError::SelfApproval);
        }
    }
    approval.answer = Some(Answer {
        decision,
        by,
        at: now,
        reason,
    });
    persistence::approvals::save(conn, &approval)?;
    Ok(approval)
}
