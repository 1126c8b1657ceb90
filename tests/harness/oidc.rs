//! A real OpenID provider (`tests/oidc-provider`, node's `oidc-provider`) on a free port, and a
//! browser stand-in that signs in through it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::{StatusCode, Url, redirect};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The provider process; killed when this is dropped.
pub struct TestOidcProvider {
    pub issuer: String,
    // Held for `kill_on_drop`: the process lives exactly as long as this value.
    _child: Child,
}

impl TestOidcProvider {
    /// Whether `node` can run at all: the only reason a sign-in test may skip.
    pub fn node_installed() -> bool {
        std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
    }

    /// Starts the provider with these clients (`[{client_id, client_secret, redirect_uris}]`) and
    /// accounts (`{login: claims}`, the login is the subject) and waits until it listens.
    pub async fn start(clients: Value, accounts: Value) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider");
        assert!(
            dir.join("node_modules").is_dir(),
            "the test provider's modules are missing: npm ci --prefix tests/oidc-provider"
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.js"))
            .arg("0")
            .env("OIDC_CLIENTS", clients.to_string())
            .env("OIDC_ACCOUNTS", accounts.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start node");

        // Through eprintln!, so the provider's complaints appear with the failing test only.
        let stderr = child.stderr.take().unwrap();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("oidc-provider: {line}");
            }
        });

        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        tokio::time::timeout(Duration::from_secs(20), stdout.read_line(&mut line))
            .await
            .expect("the test provider did not start within 20 s")
            .unwrap();
        let issuer = line
            .trim()
            .strip_prefix("issuer ")
            .unwrap_or_else(|| panic!("the test provider said {line:?}, not its issuer"))
            .to_string();
        Self {
            issuer,
            _child: child,
        }
    }

    /// Signs `login` in the way a browser would: follows the provider's redirects from
    /// `authorize_url`, submits the login form and the consent form, and stops at the redirect
    /// back to the client, returning its `code` and `state`.
    pub async fn sign_in_as(&self, login: &str, authorize_url: &Url) -> (String, String) {
        callback_parameters(&self.walk(authorize_url, Some(login)).await)
    }

    /// Starts signing in at the provider and cancels at its login page, as a person pressing
    /// "Cancel" would: the URL the provider sends the browser back to (with `error` and `state`).
    pub async fn cancel_at_provider(&self, authorize_url: &Url) -> Url {
        self.walk(authorize_url, None).await
    }

    /// Rotates the provider's signing key the way Entra and Google do: tokens from now on carry a
    /// new `kid`, and the old key is no longer published.
    pub async fn rotate_keys(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}/test/rotate-keys", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    /// Follows the provider's pages from `authorize_url` until it redirects to the client:
    /// signs `login` in, or cancels at the first page when there is none.
    async fn walk(&self, authorize_url: &Url, login: Option<&str>) -> Url {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        let provider = Url::parse(&self.issuer).unwrap().origin();
        let mut next = authorize_url.clone();
        // login, consent, and a redirect after each: a handful of steps, never a loop.
        for _ in 0..12 {
            if next.origin() != provider {
                return next;
            }
            let response = browser.get(next.clone()).send().await.unwrap();
            let response = match (response.status(), login) {
                (StatusCode::OK, None) => {
                    let abort = Url::parse(&format!("{next}/abort")).unwrap();
                    browser.get(abort).send().await.unwrap()
                }
                (StatusCode::OK, Some(login)) => {
                    let page = response.text().await.unwrap();
                    let form = match hidden_prompt(&page) {
                        "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
                        "consent" => vec![("prompt", "consent")],
                        other => panic!("unexpected interaction {other:?}: {page}"),
                    };
                    let action = next.join(form_action(&page)).unwrap();
                    browser.post(action).form(&form).send().await.unwrap()
                }
                _ => response,
            };
            next = redirect_target(&next, response).await;
        }
        panic!("the sign-in at {authorize_url} did not come back to the client");
    }

    /// Redeems `code` at the token endpoint as client `client_id` and returns the raw ID token,
    /// the way any relying party at this provider can.
    pub async fn id_token_for(
        &self,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
        code: &str,
        code_verifier: &str,
    ) -> String {
        let http = reqwest::Client::new();
        let discovery: Value = http
            .get(format!("{}/.well-known/openid-configuration", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token_endpoint = discovery["token_endpoint"].as_str().unwrap();
        let response: Value = http
            .post(token_endpoint)
            .basic_auth(client_id, Some(client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", code_verifier),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no ID token in {response}"))
            .to_string()
    }
}

async fn redirect_target(from: &Url, response: reqwest::Response) -> Url {
    let status = response.status();
    let Some(location) = response.headers().get(reqwest::header::LOCATION).cloned() else {
        panic!(
            "expected a redirect from {from}, got {status}: {}",
            response.text().await.unwrap_or_default()
        );
    };
    from.join(location.to_str().unwrap()).unwrap()
}

fn callback_parameters(callback: &Url) -> (String, String) {
    let parameter = |name: &str| {
        callback
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    if let Some(error) = parameter("error") {
        panic!("the provider refused the sign-in: {error}: {callback}");
    }
    (parameter("code").unwrap(), parameter("state").unwrap())
}

/// The `prompt` the provider's development interaction page asks for.
fn hidden_prompt(page: &str) -> &str {
    attribute_after(page, r#"name="prompt" value=""#)
}

fn form_action(page: &str) -> &str {
    attribute_after(page, r#" action=""#)
}

/// The text from after `prefix` to the next double quote; empty when `prefix` is absent.
fn attribute_after<'a>(page: &'a str, prefix: &str) -> &'a str {
    page.split_once(prefix)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("", |(value, _)| value)
}
