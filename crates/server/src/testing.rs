//! A real server for other crates' tests (e.g. the sync engine's): [`TestServer`] starts
//! [`crate::serve`] on `127.0.0.1:0` against a fresh SQLite file in a temporary directory (or a
//! given database URL), and offers the administrator's operations a test needs.
//!
//! It runs on the caller's tokio runtime (`#[tokio::test]`); use the multi-thread flavour if the
//! test blocks. The signatures here are a contract with other crates: extend, don't change.

use lianxin_core::protocol::{DeviceConfig, DeviceRole};
use lianxin_core::status::PetitionStatus;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::db::{self, Db};
use crate::service::status::StatusChange;
use crate::{AppState, Config};

/// A running server for tests.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base_url: String,
    /// The repositories, for assertions beyond the helpers below.
    pub db: Db,
    config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Dropped last: removes the SQLite file (and its -wal/-shm) with the directory.
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server over a new SQLite file in a fresh temporary directory.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("lianxin.db").display());
        let mut server = Self::start_with_config(&url, test_config()).await;
        server._dir = Some(dir);
        server
    }

    /// A server over the given database (e.g. `postgres://…` of a throwaway cluster).
    pub async fn start_with_url(database_url: &str) -> TestServer {
        Self::start_with_config(database_url, test_config()).await
    }

    /// A server with explicit settings.
    pub async fn start_with_config(database_url: &str, config: Config) -> TestServer {
        let db = db::connect(database_url).await.expect("open test database");
        let state = AppState::new(db.clone(), config.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = crate::serve(listener, state, async {
                let _ = rx.await;
            })
            .await;
        });
        TestServer {
            base_url: format!("http://{addr}"),
            db,
            config,
            shutdown: Some(tx),
            task: Some(task),
            _dir: None,
        }
    }

    /// A fresh single-use enrollment code, as `lianxin-server enroll` prints it.
    pub async fn enrollment_code(&self, role: DeviceRole, township: &str) -> String {
        crate::service::create_enrollment_code(&self.db, &self.config, role, township)
            .await
            .expect("create enrollment code")
    }

    /// How many petitions are stored.
    pub async fn petition_count(&self) -> i64 {
        self.db
            .records
            .petition_count()
            .await
            .expect("count petitions")
    }

    /// Sets a petition's status as staff would (the transition must be allowed; panics otherwise).
    pub async fn set_status(&self, registration_no: &str, status: PetitionStatus) {
        crate::service::set_status(
            &self.db,
            StatusChange {
                registration_no: registration_no.to_owned(),
                status,
                department: None,
                note: None,
                art31_item6: false,
                at: crate::now(),
            },
        )
        .await
        .expect("storage")
        .unwrap_or_else(|e| panic!("set_status({registration_no}, {status}): {e}"));
    }

    /// Revokes a device's token.
    pub async fn revoke_device(&self, device_id: Uuid) {
        self.db
            .devices
            .revoke_device(device_id, crate::now())
            .await
            .expect("revoke device");
    }

    /// Imports a campaign (JSON as for `lianxin-server campaign import`, questions embedded).
    pub async fn import_campaign(&self, json: &str) -> i64 {
        let no_bank = |bank: &str| Err(format!("{bank}: a test campaign embeds its questions"));
        let (_, seq) =
            crate::service::import_campaign(&self.db, "campaign.json", json, no_bank, crate::now())
                .await
                .expect("import campaign");
        seq
    }

    /// Publishes the configured subject list to every device, as `lianxin-server serve` does on
    /// start (a test server does not, so that feeds hold only what a test puts there); returns
    /// the configuration if a new version was published.
    pub async fn publish_config(&self) -> Option<DeviceConfig> {
        crate::service::publish_config(&self.db, &self.config, crate::now())
            .await
            .expect("publish configuration")
    }

    /// Stops accepting connections and waits for open requests to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(crate::SHUTDOWN_GRACE, task).await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// For tests against PostgreSQL: `LIANXIN_TEST_POSTGRES_URL` (a cluster URL such as
/// `postgres://postgres@127.0.0.1:5433/postgres`) or None with a printed skip line.
///
/// # Panics
///
/// Under CI (`CI` set to `true` or `1`) without the URL: there the PostgreSQL suite must run, and
/// a skip would pass silently.
pub fn postgres_test_url() -> Option<String> {
    postgres_test_url_from(
        std::env::var("LIANXIN_TEST_POSTGRES_URL").ok(),
        std::env::var("CI").ok(),
    )
}

fn postgres_test_url_from(url: Option<String>, ci: Option<String>) -> Option<String> {
    if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
        return Some(url);
    }
    let ci = ci.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1"));
    assert!(
        !ci,
        "CI is set but LIANXIN_TEST_POSTGRES_URL is not: run the tests under scripts/pg-test.sh"
    );
    eprintln!("SKIP: PostgreSQL test (LIANXIN_TEST_POSTGRES_URL not set; run scripts/pg-test.sh)");
    None
}

/// Creates a new, empty database on the cluster of `cluster_url` and returns its URL, so that
/// every test gets its own. (Left behind; the throwaway cluster goes away as a whole.)
pub async fn fresh_postgres_database(cluster_url: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(cluster_url)
        .await
        .expect("connect to PostgreSQL");
    let name = format!("lianxin_test_{}", Uuid::new_v4().simple());
    // The name is generated here from hex digits only, so formatting it into SQL is safe.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let _ = conn.close().await;
    let (base, _) = cluster_url
        .rsplit_once('/')
        .expect("URL with a database name");
    format!("{base}/{name}")
}

/// Test settings: no static build, a generous receipt limit.
fn test_config() -> Config {
    Config {
        static_dir: std::env::temp_dir().join("lianxin-no-static-dir"),
        receipt_burst: 1000,
        receipt_per_second: 100.0,
        ..Config::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_cluster_the_postgres_tests_are_skipped_outside_ci() {
        assert_eq!(postgres_test_url_from(None, None), None);
        assert_eq!(
            postgres_test_url_from(Some(" ".into()), Some("false".into())),
            None
        );
    }

    #[test]
    #[should_panic(expected = "LIANXIN_TEST_POSTGRES_URL")]
    fn without_a_cluster_the_postgres_tests_fail_under_ci() {
        postgres_test_url_from(None, Some("true".into()));
    }

    #[test]
    fn a_cluster_url_is_used_under_ci_and_outside() {
        let url = "postgres://postgres@127.0.0.1:5433/postgres".to_owned();
        assert_eq!(
            postgres_test_url_from(Some(url.clone()), Some("true".into())),
            Some(url.clone())
        );
        assert_eq!(postgres_test_url_from(Some(url.clone()), None), Some(url));
    }
}
