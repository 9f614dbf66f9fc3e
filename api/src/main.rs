use std::process::ExitCode;

/// mimalloc returns freed memory to the system: with glibc's allocator each password hash
/// (argon2id, 19 MiB) stays resident in the arena of the thread that computed it, and a few
/// dozen logins held hundreds of MiB (bench/run).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use selvbetjening::cli::{Cli, Command};
use selvbetjening::{Application, demo, startup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    selvbetjening::telemetry::init(cli.config.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config.clone()).await?;
            let base = app.base_url();
            if demo::exists(&app.state().store)? {
                println!("{}", demo::banner(&base));
                if !config.listens_on_loopback() && config.demo != Some(true) {
                    println!(
                        "  WARNING: the demo company's published passwords work on {}, which \
                         other machines can reach. Set DEMO=true if that is meant.\n",
                        config.bind_addr
                    );
                }
            } else {
                println!("\n  Selvbetjening is running: {base}/swagger-ui/\n");
                if config.demo.is_none() && config.is_embedded() && !config.listens_on_loopback() {
                    println!(
                        "  No demo company: {} is reachable from other machines, and the demo's \
                         passwords are published. Set DEMO=true to seed it anyway.\n",
                        config.bind_addr
                    );
                }
            }
            app.run_until_stopped().await?;
            Ok(())
        }),
        Command::Migrate => {
            startup::open_store(&config)?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::SeedDemo => {
            let store = startup::open_store(&config)?;
            if demo::exists(&store)? {
                println!("the demo company exists already");
            } else {
                demo::seed(&store)?;
                println!("seeded the demo company");
            }
            println!("{}", demo::banner(&format!("http://{}", config.bind_addr)));
            Ok(())
        }
        Command::CreateUser {
            email,
            password,
            role,
            company,
        } => {
            let id = selvbetjening::cli::create_user(&config, &email, &password, &role, company)?;
            println!("created user {id}");
            Ok(())
        }
        Command::Openapi => {
            print!("{}", selvbetjening::openapi::document_json());
            Ok(())
        }
    }
}
