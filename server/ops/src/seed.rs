//! Creating a function the way fc3's first `s deploy` does, and recording the baseline the way
//! sdls's deploy does after it: what tests, benchmarks and the demo use to put a project "as
//! deployed" on the emulator. Create only: updates, the optimistic guard and the deploy modes
//! belong to deploy proper.

use std::path::Path;

use fc::client::{Client, ClientError};
use fc::types::{InputCodeLocation, Trigger};

use crate::baseline::{Baseline, BaselineStore, CodeBaseline};
use crate::desired::{self, DesiredError, Requests};
use crate::fetch::{self, FetchError, Wanted};
use crate::local::LocalFunction;
use crate::normalize::Context;

/// The smallest valid zip (an empty archive): code for functions whose file names none.
pub const EMPTY_ZIP_BASE64: &str = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Desired(#[from] DesiredError),
    #[error("{what}: {error}")]
    Api {
        what: &'static str,
        error: ClientError,
    },
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("the local code cannot be packaged: {0}")]
    Package(String),
    #[error("the baseline cannot be written: {0}")]
    Baseline(std::io::Error),
    #[error("the function uses `auto` at {0}; give concrete values to create it here")]
    Auto(String),
}

/// Creates the function and everything the file declares for it, as fc3 would on first deploy
/// (the local code packaged by sdls, or an empty zip when there is none).
pub async fn create(
    client: &Client,
    function: &LocalFunction,
    ctx: &Context,
) -> Result<Requests, SeedError> {
    let requests = desired::requests(function, ctx)?;
    if let Some(path) = requests.auto.first() {
        return Err(SeedError::Auto(path.dotted()));
    }
    create_requests(client, function, &requests).await?;
    Ok(requests)
}

/// Sends `requests` (already built and, for `auto`, filled in by the caller).
pub async fn create_requests(
    client: &Client,
    function: &LocalFunction,
    requests: &Requests,
) -> Result<(), SeedError> {
    let api = |what| move |error| SeedError::Api { what, error };
    let mut body = requests.function.clone();
    let runtime = body.runtime.as_deref().unwrap_or("");
    if runtime != "custom-container" && body.code.is_none() {
        let zip = match &function.code_path {
            Some(path) if path.exists() => {
                let package = fc::package::package(path, &fc::package::PackageOptions::default())
                    .map_err(|e| SeedError::Package(e.to_string()))?;
                base64_encode(&package.bytes)
            }
            _ => EMPTY_ZIP_BASE64.to_string(),
        };
        body.code = Some(InputCodeLocation {
            zip_file: Some(zip),
            ..InputCodeLocation::default()
        });
    }
    client
        .create_function(&body)
        .await
        .map_err(api("CreateFunction"))?;
    let name = &function.function_name;
    for trigger in &requests.triggers {
        let trigger: &Trigger = trigger;
        client
            .create_trigger(name, trigger)
            .await
            .map_err(api("CreateTrigger"))?;
    }
    if let Some((qualifier, config)) = &requests.async_invoke_config {
        client
            .put_async_invoke_config(name, Some(qualifier), config)
            .await
            .map_err(api("PutAsyncInvokeConfig"))?;
    }
    if let Some(config) = &requests.concurrency_config {
        client
            .put_concurrency_config(name, config)
            .await
            .map_err(api("PutConcurrencyConfig"))?;
    }
    if let Some((qualifier, config)) = &requests.provision_config {
        client
            .put_provision_config(name, Some(qualifier), config)
            .await
            .map_err(api("PutProvisionConfig"))?;
    }
    if let Some((qualifier, config)) = &requests.scaling_config {
        client
            .put_scaling_config(name, Some(qualifier), config)
            .await
            .map_err(api("PutScalingConfig"))?;
    }
    if let Some(ids) = &requests.vpc_binding {
        for id in ids {
            client
                .create_vpc_binding(name, id)
                .await
                .map_err(api("CreateVpcBinding"))?;
        }
    }
    if let Some(domain) = &requests.custom_domain {
        client
            .create_custom_domain(domain)
            .await
            .map_err(api("CreateCustomDomain"))?;
    }
    Ok(())
}

/// Reads the function back and writes its baseline beside the file, as sdls's deploy does.
pub async fn record_baseline(
    client: &Client,
    function: &LocalFunction,
    file_dir: &Path,
    account_id: &str,
) -> Result<Baseline, SeedError> {
    let wanted = Wanted::for_function(function, Some(account_id));
    let snapshot = fetch::fetch(client, &function.function_name, &wanted).await?;
    let local_crc = crate::engine::local_code_crc(function).await.ok();
    let remote_checksum = snapshot.code_checksum().map(str::to_string);
    let baseline = Baseline::new(
        account_id,
        &function.region,
        &function.function_name,
        snapshot,
        CodeBaseline {
            local_crc,
            remote_checksum,
        },
    );
    BaselineStore::new(file_dir)
        .write(&baseline)
        .map_err(SeedError::Baseline)?;
    Ok(baseline)
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Now as RFC 3339 UTC (seconds).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
