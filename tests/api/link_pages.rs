//! The emailed links carry their secret in the URL: every answer of their routes tells the
//! browser never to pass that URL on as a `Referer`.

use rstest::rstest;
use serde_json::json;

use crate::helpers::{Db, spawn_app};

#[rstest]
#[tokio::test]
async fn the_link_routes_send_no_referrer(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let token = "q3X0mJ8v2cZxkM1bYtL9aR4eW7nP5sD6fG8hJ0kL2mN";
    let responses = [
        app.get(&format!("/poa/{token}"), None).await,
        app.post_json(
            &format!("/poa/{token}/sign"),
            None,
            &json!({"signer_name": "Mette Hansen", "consent": true}),
        )
        .await,
        app.get(&format!("/auth/password-reset/{token}"), None)
            .await,
        app.post_json(
            &format!("/auth/password-reset/{token}"),
            None,
            &json!({"password": "et-nyt-langt-kodeord"}),
        )
        .await,
        app.post_json(
            "/auth/password-reset",
            None,
            &json!({"email": "nobody@nordlys.example"}),
        )
        .await,
    ];
    for response in responses {
        assert_eq!(
            response
                .headers()
                .get("referrer-policy")
                .map(|v| v.to_str().unwrap()),
            Some("no-referrer"),
            "{} {}",
            response.url(),
            response.status()
        );
    }
    let elsewhere = app.get("/health/live", None).await;
    assert!(elsewhere.headers().get("referrer-policy").is_none());
}
