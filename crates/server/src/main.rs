//! `lianxin-server`: serve, enroll devices, import campaigns, set petition statuses.
//! Every subcommand reads `LIANXIN_DATABASE_URL` (default `sqlite://data/lianxin.db`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use lianxin_core::protocol::DeviceRole;
use lianxin_core::status::PetitionStatus;
use lianxin_server::db;
use lianxin_server::service::{self, status::StatusChange};
use lianxin_server::{serving, AppState, Config};

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
    /// Enrolled devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Revoke a device's token (same as `device revoke --id`).
    Revoke {
        /// The device id.
        device_id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List every device: id, role, township, label, enrolled, revoked (no tokens).
    List {
        /// One JSON array instead of tab-separated lines.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device's token; it learns so at its next pull and stops pushing.
    Revoke {
        /// The label it was enrolled under (must name exactly one active device).
        #[arg(long, conflicts_with = "id", required_unless_present = "id")]
        label: Option<String>,
        /// Its id.
        #[arg(long)]
        id: Option<uuid::Uuid>,
    },
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// Import (or replace) a campaign from a JSON file: its settings, and its questions embedded
    /// or from a bank file it names; devices get the answers only as its review policy allows.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
    /// Print a campaign's results: participants, pass rate, mean score, distribution, the
    /// most-missed questions, by township and audience, flagged questions.
    Stats {
        /// The campaign's id.
        id: String,
        /// CSV instead of JSON.
        #[arg(long)]
        csv: bool,
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
    /// Record an extension of an accepted Art. 31 item 6 matter's 60-day handling limit, approved
    /// by the body's responsible person (Art. 34: at most 30 days in all; the petitioner is told
    /// the reason).
    Extend {
        /// e.g. CZXF-2026-000123.
        registration_no: String,
        /// How many days the limit grows by.
        #[arg(long)]
        days: u32,
        /// Why (no personal data: it is shown to the petitioner).
        #[arg(long)]
        reason: String,
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
    let mut config = Config::from_env()?;
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
                // To the terminal (stdout), never through the logger: log files are kept and
                // shipped, and a code is a credential until it is used.
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
            // Each connection is a descriptor; the common default soft limit (1,024) is reached
            // by a thousand idle sockets. Raise it to the hard limit, and keep the connection
            // bound inside whatever the limit is.
            match serving::raise_open_files_limit() {
                Ok(open_files) => {
                    let fitted = config.limits.fit_to_open_files(open_files, 128);
                    if fitted.max_connections < config.limits.max_connections {
                        tracing::warn!(
                            open_files,
                            max_connections = fitted.max_connections,
                            "open-file limit too low for LIANXIN_MAX_CONNECTIONS; lowered"
                        );
                    }
                    config.limits = fitted;
                }
                Err(e) => tracing::warn!(error = %e, "could not read or raise the open-file limit"),
            }
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            let local = listener.local_addr()?;
            tracing::info!(
                database = %db::redact_url(&url),
                %local,
                max_connections = config.limits.max_connections,
                trusted_proxies = config.trusted_proxies.len(),
                "serving"
            );
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
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            // A bank file is named relative to the campaign file.
            let dir = file.parent().unwrap_or(std::path::Path::new("."));
            let read_bank = |bank: &str| {
                std::fs::read_to_string(dir.join(bank)).map_err(|e| format!("{bank}: {e}"))
            };
            let name = file.display().to_string();
            let (campaign, seq) =
                service::import_campaign(&db, &name, &text, read_bank, lianxin_server::now())
                    .await
                    .map_err(|e| e.to_string())?;
            println!(
                "imported campaign {} ({} questions, {} per attempt), feed seq {seq}",
                campaign.id,
                campaign.questions.len(),
                campaign.questions_per_attempt()
            );
        }
        Command::Campaign {
            command: CampaignCommand::Stats { id, csv },
        } => {
            let stats = service::campaign_stats(&db, &id)
                .await?
                .ok_or_else(|| format!("no campaign {id:?}"))?;
            if csv {
                print!("{}", service::campaign::stats_csv(&stats));
            } else {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            }
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
            command:
                PetitionCommand::Extend {
                    registration_no,
                    days,
                    reason,
                },
        } => {
            let ext = service::status::Extension {
                registration_no: registration_no.clone(),
                days,
                reason,
                at: lianxin_server::now(),
            };
            let event = service::extend_handling(&db, ext)
                .await?
                .map_err(|e| format!("{}: {e}", e.code()))?;
            print!("{registration_no}: handling limit extended by {days} days");
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
        Command::Device {
            command: DeviceCommand::List { json },
        } => {
            let list = db.devices.device_list().await?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                for d in &list {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        d.id,
                        d.role.as_str(),
                        d.township,
                        d.label,
                        d.created_at.to_rfc3339(),
                        d.revoked_at.map_or("-".into(), |t| t.to_rfc3339()),
                    );
                }
            }
        }
        Command::Device {
            command: DeviceCommand::Revoke { label, id },
        } => {
            let id = match (id, label) {
                (Some(id), _) => id,
                (None, Some(label)) => {
                    let list = db.devices.device_list().await?;
                    service::enrollment::device_by_label(&list, &label)
                        .map_err(|e| e.to_string())?
                }
                (None, None) => return Err("give --label or --id".into()),
            };
            revoke(&db, id).await?;
        }
        Command::Revoke { device_id } => revoke(&db, device_id).await?,
    }
    Ok(())
}

async fn revoke(db: &db::Db, device_id: uuid::Uuid) -> Result<(), Box<dyn std::error::Error>> {
    if db
        .devices
        .revoke_device(device_id, lianxin_server::now())
        .await?
    {
        println!("revoked {device_id}");
        Ok(())
    } else {
        Err(format!("no active device {device_id}").into())
    }
}
