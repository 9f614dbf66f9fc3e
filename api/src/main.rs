use std::process::ExitCode;

/// mimalloc returns freed memory to the system: with glibc's allocator each password hash
/// (argon2id, 19 MiB) stays resident in the arena of the thread that computed it, and a few
/// dozen logins held hundreds of MiB (bench/run). Built without transparent huge pages
/// (feature `no_thp`): with them every touched 2 MiB of its arena was resident, 55 MiB
/// at start.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (`mi_option_t` 15 in both v2 and v3 of its header).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed pages go back to the system at once, not a second later (mimalloc v3's default):
/// a burst of password hashes and page renders otherwise stays resident for that second,
/// and the peak under bench/run's mixed load was 96 MiB instead of 64 (docs/decisions.md).
#[allow(unsafe_code)]
fn return_freed_memory_at_once() {
    // SAFETY: mi_option_set stores one integer in mimalloc's option table, which mimalloc
    // reads on every purge; it is called before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

use clap::Parser;
use selvbetjening::cli::{Cli, Command};
use selvbetjening::{Application, demo, startup};

fn main() -> ExitCode {
    return_freed_memory_at_once();
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
