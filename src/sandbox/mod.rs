//! TEMPORARY stub of the sandbox API, replaced by the real sandbox on merge.
#[derive(Default)]
pub struct SandboxConfig {
    pub state_file: Option<std::path::PathBuf>,
    pub seed_file: Option<std::path::PathBuf>,
    pub faults: FaultPlan,
    pub fault_seed: u64,
    pub rate_limit_per_second: Option<u32>,
    pub token: Option<String>,
}
#[derive(Default, Debug)]
pub struct FaultPlan;
impl std::str::FromStr for FaultPlan {
    type Err = String;
    fn from_str(_s: &str) -> Result<Self, String> {
        Ok(FaultPlan)
    }
}
pub struct Sandbox;
#[derive(Debug, thiserror::Error)]
#[error("x")]
pub struct SandboxError;
impl Sandbox {
    pub async fn start(
        _c: SandboxConfig,
        _l: std::net::SocketAddr,
    ) -> Result<Sandbox, SandboxError> {
        Err(SandboxError)
    }
    pub fn url(&self) -> String {
        String::new()
    }
    pub fn base_url(&self) -> String {
        String::new()
    }
    pub fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], 0).into()
    }
    pub async fn shutdown(self) {}
}
