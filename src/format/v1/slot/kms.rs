//! AWS KMS key slots (`type=aws-kms`), behind the `aws-kms` cargo feature.
//!
//! A slot's `kid=` is the KMS key ARN or alias ARN as the user gave it
//! (`arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...` or `...:alias/team-env`); its
//! `wrap=` is the `CiphertextBlob` that KMS `Encrypt` returned for the file's 32-byte data
//! key. Opening it is one KMS `Decrypt` with `KeyId` = the slot's ARN.
//!
//! Both calls carry the encryption context [`CONTEXT_KEY`]`=`[`CONTEXT_VALUE`]
//! (`{"envseal": "v1 data key"}`): KMS binds the ciphertext to it, so a blob wrapped by
//! envseal cannot be opened by a `Decrypt` that does not name it, and CloudTrail shows
//! what each call was for. It holds no secret (CloudTrail logs it in clear).
//!
//! Where things come from, all through the official SDK's usual settings, so that a local
//! server (moto) or a CI role works without code:
//! - the region: from the ARN (key and alias ARNs carry it);
//! - credentials: the SDK's default chain (environment `AWS_ACCESS_KEY_ID`/..., the
//!   shared config and credentials files and `AWS_PROFILE`, SSO, `credential_process`,
//!   web identity (`AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, as GitHub's OIDC
//!   role assumption sets them), the ECS and EC2 instance roles);
//! - the endpoint: `AWS_ENDPOINT_URL_KMS`, then `AWS_ENDPOINT_URL`, else AWS's own.
//!
//! Nothing here runs until a KMS slot is wrapped or unwrapped: the tokio runtime, the
//! HTTPS client and the credential chain are built on first use, once per process and
//! region ([`KmsSession::shared`]), so a command that uses no KMS slot pays nothing.
//!
//! Timeouts: 3 s to connect, 30 s for a whole operation (retries included; the SDK's
//! standard retry policy retries throttling and transient faults, 3 attempts).
//!
//! Errors ([`SlotError`]): a refusal by KMS is `Service` with the AWS error code
//! (`AccessDeniedException`, `DisabledException`, `KMSInvalidStateException`,
//! `NotFoundException`, `UnrecognizedClientException`, `InvalidSignatureException`, ...);
//! `InvalidCiphertextException`/`IncorrectKeyException` mean the slot was altered or is
//! for another key and are `Refused`; no answer (connection refused, DNS, a timeout) or
//! no credentials is `Unavailable`. An outage is never reported as a wrong key. No error
//! carries the data key or a credential.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_kms::config::timeout::TimeoutConfig;
use aws_sdk_kms::config::{Credentials, Region};
use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::{value_ok, Identity, Recipient, SlotError, SlotLine, AWS_KMS};
use crate::format::v1::{DataKey, Random};

/// The encryption context's key, sent with every `Encrypt` and `Decrypt`.
pub const CONTEXT_KEY: &str = "envseal";
/// The encryption context's value.
pub const CONTEXT_VALUE: &str = "v1 data key";

/// Connect timeout for every KMS request.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Timeout for one whole KMS operation, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// A validated KMS key ARN or alias ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyArn {
    text: String,
    region: String,
}

impl KeyArn {
    /// Check the shape `arn:aws[-a-z]*:kms:<region>:<12-digit account>:(key|alias)/<id>`,
    /// and that it fits a slot's `kid=` field.
    pub fn parse(text: &str) -> Result<KeyArn, SlotError> {
        let bad = |why: &str| {
            SlotError::Invalid(format!(
                "not an AWS KMS key ARN or alias ARN ({why}); expected \
                 arn:aws:kms:<region>:<account>:key/<key id> or \
                 arn:aws:kms:<region>:<account>:alias/<alias name>"
            ))
        };
        let mut parts = text.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(res)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad(
                "it does not have the six `:`-separated parts of an ARN",
            ));
        };
        let partition_ok = partition
            .strip_prefix("aws")
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        if !partition_ok {
            return Err(bad("the partition is not aws, aws-cn, aws-us-gov, ..."));
        }
        if service != "kms" {
            return Err(bad("the service is not kms"));
        }
        let region_ok = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && region.contains('-');
        if !region_ok {
            return Err(bad("the region is missing or malformed"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the account is not 12 digits"));
        }
        let id_ok = |id: &str, extra: &str| {
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || extra.contains(c))
        };
        let res_ok = if let Some(id) = res.strip_prefix("key/") {
            id_ok(id, "")
        } else if let Some(name) = res.strip_prefix("alias/") {
            id_ok(name, "/_:")
        } else {
            false
        };
        if !res_ok {
            return Err(bad(
                "the resource is not key/<key id> or alias/<name> (letters, digits, - / _ :)",
            ));
        }
        debug_assert!(value_ok(text));
        if !value_ok(text) {
            return Err(bad("it has a character a slot line cannot hold"));
        }
        Ok(KeyArn {
            text: text.to_owned(),
            region: region.to_owned(),
        })
    }

    /// The ARN as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The region the ARN names.
    pub fn region(&self) -> &str {
        &self.region
    }
}

/// Static credentials for a [`KmsSession`] (tests; a CLI uses the default chain).
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .finish()
    }
}

/// Where a [`KmsSession`] finds its endpoint and credentials. The default is the SDK's
/// own settings (environment, profile, web identity); tests name them explicitly, since
/// the process environment is shared by tests running at once.
#[derive(Clone, Debug, Default)]
pub struct KmsSettings {
    /// Overrides `AWS_ENDPOINT_URL[_KMS]`.
    pub endpoint: Option<String>,
    /// Replaces the default credential chain.
    pub credentials: Option<StaticCredentials>,
}

struct Runtime {
    rt: tokio::runtime::Runtime,
    clients: Mutex<HashMap<String, aws_sdk_kms::Client>>,
}

/// The runtime, HTTPS client and credential chain KMS slots use, built on first use.
pub struct KmsSession {
    settings: KmsSettings,
    runtime: OnceLock<Result<Runtime, String>>,
}

impl std::fmt::Debug for KmsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsSession")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl KmsSession {
    /// A session with explicit settings. Nothing is built until the first KMS call.
    pub fn new(settings: KmsSettings) -> Arc<KmsSession> {
        Arc::new(KmsSession {
            settings,
            runtime: OnceLock::new(),
        })
    }

    /// The process's session on the SDK's default settings, shared by every KMS slot of a
    /// command (one runtime, one credential chain per region).
    pub fn shared() -> Arc<KmsSession> {
        static SHARED: OnceLock<Arc<KmsSession>> = OnceLock::new();
        SHARED
            .get_or_init(|| KmsSession::new(KmsSettings::default()))
            .clone()
    }

    /// The endpoint requests to `region` go to, for messages.
    pub fn endpoint(&self, region: &str) -> String {
        let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.settings
            .endpoint
            .clone()
            .or_else(|| from_env("AWS_ENDPOINT_URL_KMS"))
            .or_else(|| from_env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| {
                let suffix = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://kms.{region}.{suffix}")
            })
    }

    fn runtime(&self) -> Result<&Runtime, String> {
        self.runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|rt| Runtime {
                        rt,
                        clients: Mutex::new(HashMap::new()),
                    })
                    .map_err(|e| format!("could not start the KMS client's runtime: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Run `call` with the client for `region` (made on first use) on the session's runtime.
    fn run<T, F, Fut>(&self, region: &str, call: F) -> Result<T, String>
    where
        F: FnOnce(aws_sdk_kms::Client) -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let runtime = self.runtime()?;
        let client = {
            let mut clients = runtime
                .clients
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match clients.get(region) {
                Some(client) => client.clone(),
                None => {
                    let client = runtime.rt.block_on(self.client_for(region));
                    clients.insert(region.to_owned(), client.clone());
                    client
                }
            }
        };
        Ok(runtime.rt.block_on(call(client)))
    }

    async fn client_for(&self, region: &str) -> aws_sdk_kms::Client {
        // rustls on `ring`: builds with a C compiler alone (the SDK's default provider,
        // aws-lc, may need cmake); the platform's trust store for AWS's certificates.
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        // The region is the ARN's: no region look-up (which could ask the EC2 instance
        // metadata service) happens.
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .http_client(http)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            );
        if let Some(endpoint) = &self.settings.endpoint {
            loader = loader.endpoint_url(endpoint.clone());
        }
        if let Some(creds) = &self.settings.credentials {
            loader = loader.credentials_provider(Credentials::new(
                creds.access_key_id.clone(),
                creds.secret_access_key.as_str().to_owned(),
                None,
                None,
                "envseal-settings",
            ));
        }
        aws_sdk_kms::Client::new(&loader.load().await)
    }
}

/// An AWS KMS key: the [`Recipient`] that wraps a data key into an `aws-kms` slot and the
/// [`Identity`] that opens it (with the credentials' `kms:Encrypt` / `kms:Decrypt`
/// rights respectively).
#[derive(Clone, Debug)]
pub struct KmsKey {
    arn: KeyArn,
    session: Arc<KmsSession>,
}

impl KmsKey {
    /// The key `arn` (key ARN or alias ARN) on the process's shared session.
    pub fn new(arn: &str) -> Result<KmsKey, SlotError> {
        KmsKey::with_session(arn, KmsSession::shared())
    }

    /// The key `arn` on an explicit session.
    pub fn with_session(arn: &str, session: Arc<KmsSession>) -> Result<KmsKey, SlotError> {
        Ok(KmsKey {
            arn: KeyArn::parse(arn)?,
            session,
        })
    }

    /// The identity that opens `slot` (an `aws-kms` slot) on the shared session.
    pub fn for_slot(slot: &SlotLine) -> Result<KmsKey, SlotError> {
        if slot.kind != AWS_KMS {
            return Err(SlotError::Internal(format!(
                "{} is not an {AWS_KMS} slot",
                slot.describe()
            )));
        }
        KmsKey::new(&slot.kid).map_err(|e| SlotError::Unavailable {
            slot: slot.describe(),
            why: format!("its kid= is not a usable KMS key ARN: {e}"),
        })
    }

    /// The ARN as given.
    pub fn arn(&self) -> &KeyArn {
        &self.arn
    }

    fn slot_name(&self) -> String {
        format!("{AWS_KMS} slot {}", self.arn.as_str())
    }

    fn context() -> HashMap<String, String> {
        HashMap::from([(CONTEXT_KEY.to_owned(), CONTEXT_VALUE.to_owned())])
    }

    /// A failed SDK call as a [`SlotError`] naming this slot.
    fn error<E>(
        &self,
        slot: String,
        err: SdkError<E, aws_sdk_kms::config::http::HttpResponse>,
    ) -> SlotError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let endpoint = self.session.endpoint(self.arn.region());
        match err {
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let e = ctx.err();
                match e.code() {
                    Some(code @ ("InvalidCiphertextException" | "IncorrectKeyException")) => {
                        SlotError::Refused {
                            slot,
                            why: format!(
                                "KMS answered {code}: the slot was altered, or was written \
                                 for another KMS key (an alias that now names another key?)"
                            ),
                        }
                    }
                    Some(code) => SlotError::Service {
                        slot,
                        code: code.to_owned(),
                        message: e.message().unwrap_or("(no message)").to_owned(),
                    },
                    None => match ctx.raw().body().bytes().and_then(xml_error) {
                        // The query-protocol shape (`<ErrorResponse>...<Code>`), which moto
                        // and some proxies answer with, e.g. for a bad signature.
                        Some((code, message)) => SlotError::Service {
                            slot,
                            code,
                            message,
                        },
                        None => SlotError::Unavailable {
                            slot,
                            why: format!(
                                "KMS at {endpoint} answered HTTP {status} without an AWS error code"
                            ),
                        },
                    },
                }
            }
            SdkError::TimeoutError(_) => SlotError::Unavailable {
                slot,
                why: format!(
                    "could not reach KMS at {endpoint}: no answer within {} s",
                    OPERATION_TIMEOUT.as_secs()
                ),
            },
            SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
                SlotError::Unavailable {
                    slot,
                    why: format!(
                        "could not reach KMS at {endpoint}: {}",
                        failure
                            .as_connector_error()
                            .map(|c| DisplayErrorContext(c).to_string())
                            .unwrap_or_default()
                    ),
                }
            }
            SdkError::DispatchFailure(failure) => SlotError::Unavailable {
                slot,
                why: format!(
                    "no request was sent to KMS at {endpoint} (are AWS credentials set? see \
                     the README's AWS KMS section): {}",
                    failure
                        .as_connector_error()
                        .map(|c| DisplayErrorContext(c).to_string())
                        .unwrap_or_default()
                ),
            },
            SdkError::ResponseError(r) => SlotError::Unavailable {
                slot,
                why: format!(
                    "KMS at {endpoint} answered something that is not a KMS response (HTTP {})",
                    r.raw().status().as_u16()
                ),
            },
            other => SlotError::Internal(format!(
                "{slot}: the KMS request could not be made: {}",
                DisplayErrorContext(&other)
            )),
        }
    }
}

/// The code and message of an AWS XML error body (`<Error><Code>..</Code><Message>..`),
/// for an answer that the JSON protocol's parser finds no code in.
fn xml_error(body: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(body).ok()?;
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find(&format!("</{name}>"))?;
        Some(text[start..end].to_owned())
    };
    let code = element("Code")?;
    let code_ok = !code.is_empty()
        && code.len() <= 100
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    if !code_ok {
        return None;
    }
    let message = element("Message").unwrap_or_else(|| "(no message)".to_owned());
    Some((code, message.chars().take(500).collect()))
}

impl Recipient for KmsKey {
    fn kind(&self) -> &'static str {
        AWS_KMS
    }

    fn kid(&self) -> String {
        self.arn.as_str().to_owned()
    }

    /// One KMS `Encrypt` of the 32-byte data key under the encryption context. KMS draws
    /// its own randomness; `random` is not used.
    fn wrap(
        &self,
        dk: &DataKey,
        created: DateTime<Utc>,
        _random: Random,
    ) -> Result<SlotLine, SlotError> {
        let slot = self.slot_name();
        let arn = self.arn.as_str().to_owned();
        let plaintext = Blob::new(dk.expose_bytes().to_vec());
        let result = self
            .session
            .run(self.arn.region(), |client| async move {
                client
                    .encrypt()
                    .key_id(arn)
                    .plaintext(plaintext)
                    .set_encryption_context(Some(KmsKey::context()))
                    .send()
                    .await
            })
            .map_err(|why| SlotError::Unavailable {
                slot: slot.clone(),
                why,
            })?;
        let out = result.map_err(|e| self.error(slot.clone(), e))?;
        let wrap = out
            .ciphertext_blob()
            .map(|b| b.as_ref().to_vec())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| SlotError::Unavailable {
                slot,
                why: "KMS answered Encrypt without a CiphertextBlob".to_owned(),
            })?;
        Ok(SlotLine {
            kind: AWS_KMS.to_owned(),
            kid: self.arn.as_str().to_owned(),
            created,
            extra: Vec::new(),
            wrap,
        })
    }
}

impl Identity for KmsKey {
    fn kind(&self) -> &'static str {
        AWS_KMS
    }

    fn kid(&self) -> String {
        self.arn.as_str().to_owned()
    }

    fn source(&self) -> String {
        match &self.session.settings.credentials {
            Some(_) => "AWS KMS (explicit credentials)".to_owned(),
            None => "AWS KMS (default credential chain)".to_owned(),
        }
    }

    /// One KMS `Decrypt` with `KeyId` = the slot's ARN and the encryption context.
    fn unwrap(&self, slot: &SlotLine) -> Result<DataKey, SlotError> {
        let name = slot.describe();
        if slot.kind != AWS_KMS || slot.kid != self.arn.as_str() {
            return Err(SlotError::Internal(format!(
                "{name} was given to the identity for {}",
                self.slot_name()
            )));
        }
        let arn = self.arn.as_str().to_owned();
        let blob = Blob::new(slot.wrap.clone());
        let result = self
            .session
            .run(self.arn.region(), |client| async move {
                client
                    .decrypt()
                    .key_id(arn)
                    .ciphertext_blob(blob)
                    .set_encryption_context(Some(KmsKey::context()))
                    .send()
                    .await
            })
            .map_err(|why| SlotError::Unavailable {
                slot: name.clone(),
                why,
            })?;
        let out = result.map_err(|e| self.error(name.clone(), e))?;
        let plain = Zeroizing::new(
            out.plaintext()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| SlotError::Refused {
                slot: name,
                why: "KMS decrypted it, but not to a 32-byte data key".to_owned(),
            })?;
        Ok(DataKey::from_bytes(Zeroizing::new(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_alias_arns_are_accepted_with_their_region() {
        for (arn, region) in [
            (
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "eu-west-1",
            ),
            (
                "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
                "us-east-1",
            ),
            (
                "arn:aws-cn:kms:cn-north-1:111122223333:alias/team/env_prod",
                "cn-north-1",
            ),
            (
                "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/ci",
                "us-gov-west-1",
            ),
        ] {
            let parsed = KeyArn::parse(arn).unwrap();
            assert_eq!((parsed.as_str(), parsed.region()), (arn, region));
        }
    }

    #[test]
    fn malformed_arns_are_refused_without_echoing_them() {
        for bad in [
            "",
            "alias/team",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:eu-west-1:111122223333:key/",
            "arn:aws:kms:eu-west-1:111122223333:alias/",
            "arn:aws:kms:eu-west-1:1111:key/abc",
            "arn:aws:s3:eu-west-1:111122223333:key/abc",
            "arn:gcp:kms:eu-west-1:111122223333:key/abc",
            "arn:aws:kms::111122223333:key/abc",
            "arn:aws:kms:EU-WEST-1:111122223333:key/abc",
            "arn:aws:kms:eu-west-1:111122223333:secret/abc",
            "arn:aws:kms:eu-west-1:111122223333:key/abc def",
            "arn:aws:kms:eu-west-1:111122223333:key/abc=def",
            "arn:aws:kms:eu-west-1:111122223333:alias/a.b",
        ] {
            match KeyArn::parse(bad) {
                Err(SlotError::Invalid(msg)) => {
                    assert!(bad.len() < 12 || !msg.contains(bad), "{msg}")
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn credentials_do_not_show_in_debug() {
        let settings = KmsSettings {
            endpoint: None,
            credentials: Some(StaticCredentials {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret_access_key: Zeroizing::new("wJalrXUtnFEMI/K7MDENG".to_owned()),
            }),
        };
        let shown = format!("{:?}", KmsSession::new(settings));
        assert!(
            shown.contains("AKIDEXAMPLE") && !shown.contains("wJalr"),
            "{shown}"
        );
    }
}
