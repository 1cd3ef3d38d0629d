//! A real local KMS for the AWS KMS slot tests: moto in server mode.
//!
//! `.ci/run` starts one server and exports its URL as `ENVSEAL_TEST_MOTO`; without it a
//! test starts its own (`python3 -m moto.server` on a free 127.0.0.1 port, stopped when
//! the guard drops). Keys, aliases and IAM users are made with boto3 (which moto
//! depends on) in a short Python script. When moto is missing the KMS tests say so and
//! skip, except under `CI=true`, where they fail.
#![cfg(feature = "aws-kms")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::ci;

/// A moto server: the shared one of `.ci/run`, or one this test started (killed on drop).
pub struct Moto {
    pub url: String,
    child: Option<Child>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn skip(why: &str) -> Option<Moto> {
    assert!(!ci(), "{why}; CI is set, so this is a failure");
    eprintln!("SKIPPED: {why}");
    None
}

/// A free port on 127.0.0.1 (bound, then released for the server to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The shared server when `.ci/run` exported one, else a server of this test's own.
pub fn moto() -> Option<Moto> {
    match std::env::var("ENVSEAL_TEST_MOTO") {
        Ok(url) if !url.is_empty() => Some(Moto { url, child: None }),
        _ => start_moto(&[]),
    }
}

/// A server of this test's own, with `env` (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
pub fn start_moto(env: &[(&str, &str)]) -> Option<Moto> {
    let probe = Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return skip(
            "moto is not installed (pip install \"moto[server]\"); the AWS KMS tests need it",
        );
    }
    // A port taken between free_port() and the server's bind makes the server exit: try
    // a few ports before giving up.
    for _ in 0..3 {
        let port = free_port();
        let mut cmd = Command::new("python3");
        cmd.args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start python3 -m moto.server");
        let mut moto = Moto {
            url: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        };
        if wait_ready(&mut moto, Duration::from_secs(30)) {
            return Some(moto);
        }
    }
    panic!("moto server did not answer within 30 s on three ports");
}

/// Poll the server until it answers an HTTP request, it exits, or `limit` passes.
fn wait_ready(moto: &mut Moto, limit: Duration) -> bool {
    let addr = moto.url.trim_start_matches("http://").to_owned();
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(child) = &mut moto.child {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
        }
        if let Ok(mut s) = TcpStream::connect(&addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let req =
                format!("GET /moto-api/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if s.write_all(req.as_bytes()).is_ok()
                && s.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// POST `body` to a moto-api path (e.g. `/moto-api/reset-auth`).
pub fn moto_api_post(moto: &Moto, path: &str, body: &str) {
    let addr = moto.url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
}

/// Run a boto3 `script` against the server (region us-east-1, credentials test/test;
/// `kms` and `iam` clients are ready) and parse what it prints as JSON.
pub fn boto3(moto: &Moto, script: &str) -> serde_json::Value {
    let prelude = format!(
        "import boto3, json, base64\n\
         kw = dict(endpoint_url={:?}, region_name='us-east-1', \
         aws_access_key_id='test', aws_secret_access_key='test')\n\
         kms = boto3.client('kms', **kw)\n\
         iam = boto3.client('iam', **kw)\n",
        moto.url
    );
    let out = Command::new("python3")
        .args(["-c", &format!("{prelude}{script}")])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "boto3 script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the boto3 script prints JSON")
}

/// A new symmetric KMS key with an alias `alias/<prefix>-<unique>` (the shared server
/// outlives a test run, and alias names are unique per account): `(key ARN, alias ARN)`.
pub fn new_key(moto: &Moto, prefix: &str) -> (String, String) {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let alias = format!("alias/{prefix}-{}-{nanos}-{seq}", std::process::id());
    let v = boto3(
        moto,
        &format!(
            r#"
k = kms.create_key(Description='envseal test')['KeyMetadata']
kms.create_alias(AliasName='{alias}', TargetKeyId=k['KeyId'])
a = [x for x in kms.list_aliases(KeyId=k['KeyId'])['Aliases'] if x['AliasName'] == '{alias}'][0]
print(json.dumps({{'key': k['Arn'], 'alias': a['AliasArn']}}))
"#
        ),
    );
    (
        v["key"].as_str().unwrap().to_owned(),
        v["alias"].as_str().unwrap().to_owned(),
    )
}

/// The KMS key `arn` of this server as a library recipient, with moto's test
/// credentials (what the tests that seal a KMS slot through `v1::seal` need).
pub fn kms_key(moto: &Moto, arn: &str) -> envseal::format::v1::slot::kms::KmsKey {
    use envseal::format::v1::slot::kms::{KmsKey, KmsSession, KmsSettings, StaticCredentials};
    let session = KmsSession::new(KmsSettings {
        endpoint: Some(moto.url.clone()),
        credentials: Some(StaticCredentials {
            access_key_id: "test".to_owned(),
            secret_access_key: zeroize::Zeroizing::new("test".to_owned()),
        }),
    });
    KmsKey::with_session(arn, session).expect("a KMS key ARN")
}
