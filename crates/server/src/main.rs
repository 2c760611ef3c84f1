//! `lianxin-server`: serve, enroll devices, import campaigns, set petition statuses.
//! Every subcommand reads `LIANXIN_DATABASE_URL` (default `sqlite://data/lianxin.db`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use lianxin_core::protocol::DeviceRole;
use lianxin_core::status::PetitionStatus;
use lianxin_server::db;
use lianxin_server::service::{self, status::StatusChange};
use lianxin_server::{AppState, Config};

#[derive(Parser)]
#[command(
    name = "lianxin-server",
    version,
    about = "Lianxin (连心信访) central sync endpoint"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the PWA (LIANXIN_ADDR, default 127.0.0.1:8080; LIANXIN_STATIC_DIR,
    /// default dist).
    Serve,
    /// Print a single-use enrollment code for a new device.
    Enroll {
        /// What the device is.
        #[arg(long, value_enum)]
        role: Role,
        /// The township it belongs to.
        #[arg(long)]
        township: String,
    },
    /// Quiz campaigns.
    Campaign {
        #[command(subcommand)]
        command: CampaignCommand,
    },
    /// Petitions.
    Petition {
        #[command(subcommand)]
        command: PetitionCommand,
    },
    /// Revoke a device's token.
    Revoke {
        /// The device id.
        device_id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// Import (or replace) a campaign from a JSON file with answers; devices get it without them.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum PetitionCommand {
    /// Move a petition to a new status (registered → accepted | not_accepted | forwarded;
    /// forwarded → accepted | not_accepted; accepted → handled; handled | not_accepted → closed).
    SetStatus {
        /// e.g. CZXF-2026-000123.
        registration_no: String,
        /// The new status.
        status: String,
        /// The department it is forwarded to.
        #[arg(long)]
        department: Option<String>,
        /// A short note (no personal data: it is shown to the petitioner).
        #[arg(long)]
        note: Option<String>,
        /// The matter is one of Art. 31 item 6 (starts the Art. 34 60-day deadline on acceptance).
        #[arg(long)]
        art31_item6: bool,
    },
    /// Print how many petitions are stored.
    Count,
    /// List stored petitions: record id and registration number (no personal data).
    List {
        /// One JSON array of `{"id", "registration_no"}` instead of tab-separated lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Role {
    Field,
    Kiosk,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let url = lianxin_server::database_url_from_env();
    let config = Config::from_env();
    let db = db::connect(&url).await?;
    match cli.command {
        Command::Serve => {
            let addr = std::env::var("LIANXIN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
            if db.devices.is_fresh().await? {
                // The demo township of the README; a real deployment enrolls its own.
                let township = "城关镇";
                let field =
                    service::create_enrollment_code(&db, &config, DeviceRole::Field, township)
                        .await?;
                let kiosk =
                    service::create_enrollment_code(&db, &config, DeviceRole::Kiosk, township)
                        .await?;
                println!("first start: demo enrollment codes (valid 7 days, single use):");
                println!("  field tablet ({township}): {field}");
                println!("  kiosk        ({township}): {kiosk}");
            }
            if let Some(published) =
                service::publish_config(&db, &config, lianxin_server::now()).await?
            {
                tracing::info!(
                    version = published.version,
                    subjects = published.subjects.len(),
                    "device configuration published"
                );
            }
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            let local = listener.local_addr()?;
            tracing::info!(database = %db::redact_url(&url), %local, "serving");
            println!("Lianxin listening on http://{local}/");
            let state = AppState::new(db, config);
            lianxin_server::serve(listener, state, lianxin_server::shutdown_signal()).await?;
        }
        Command::Enroll { role, township } => {
            let role = match role {
                Role::Field => DeviceRole::Field,
                Role::Kiosk => DeviceRole::Kiosk,
            };
            if township.trim().is_empty() {
                return Err("--township must not be empty".into());
            }
            let code = service::create_enrollment_code(&db, &config, role, township.trim()).await?;
            println!("{code}");
        }
        Command::Campaign {
            command: CampaignCommand::Import { file },
        } => {
            let text = std::fs::read_to_string(&file)?;
            let (public, seq) = service::import_campaign(&db, &text, lianxin_server::now())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "imported campaign {} ({} questions), feed seq {seq}",
                public.id,
                public.questions.len()
            );
        }
        Command::Petition {
            command:
                PetitionCommand::SetStatus {
                    registration_no,
                    status,
                    department,
                    note,
                    art31_item6,
                },
        } => {
            let status: PetitionStatus = status.parse()?;
            let change = StatusChange {
                registration_no: registration_no.clone(),
                status,
                department,
                note,
                art31_item6,
                at: lianxin_server::now(),
            };
            let event = service::set_status(&db, change).await??;
            print!("{registration_no}: {}", status.as_str());
            if let Some(d) = event.deadline {
                print!(", deadline {}", d.to_rfc3339());
            }
            println!();
        }
        Command::Petition {
            command: PetitionCommand::Count,
        } => {
            println!("{}", db.records.petition_count().await?);
        }
        Command::Petition {
            command: PetitionCommand::List { json },
        } => {
            let list = db.records.petition_list().await?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                for p in &list {
                    println!("{}\t{}", p.registration_no, p.id);
                }
            }
        }
        Command::Revoke { device_id } => {
            if db
                .devices
                .revoke_device(device_id, lianxin_server::now())
                .await?
            {
                println!("revoked {device_id}");
            } else {
                return Err(format!("no active device {device_id}").into());
            }
        }
    }
    Ok(())
}
