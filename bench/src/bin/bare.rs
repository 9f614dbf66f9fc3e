//! A bare actix-web server answering every GET with the bytes of one file, as JSON: what
//! HTTP alone costs on this machine, the context for the API's figures (not a target).
//!
//!     bare ADDRESS FILE

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let body = web::Bytes::from(std::fs::read(args.next().unwrap_or_default())?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .bind(address)?
    .run()
    .await
}
