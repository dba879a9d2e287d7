//! An OpenAI-compatible chat-completions client: `POST <base_url>/chat/completions` with
//! `model` and `messages`, as Ollama, llama.cpp server, vLLM and OpenAI all accept. Reads at
//! most [`MAX_RESPONSE_BYTES`] of the answer and gives up after the configured timeout.

use std::time::Duration;

use serde::Deserialize;

use super::prompt::Message;

/// The most bytes of a response body read; a larger body is an error.
pub const MAX_RESPONSE_BYTES: usize = 256 << 10;

/// Why a request gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No complete answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// The connection or the request failed.
    #[error("request failed: {0}")]
    Request(String),
    /// The API answered with an error status.
    #[error("status {0}")]
    Status(u16),
    /// The body was no chat completion (or too large).
    #[error("bad response: {0}")]
    Body(String),
}

impl ClientError {
    /// A short label for metrics and events: `timeout` or `error`.
    pub fn label(&self) -> &'static str {
        match self {
            ClientError::Timeout => "timeout",
            _ => "error",
        }
    }
}

/// What the model answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The first choice's message text.
    pub text: String,
    /// `usage.total_tokens` (or prompt plus completion tokens); 0 when the API gives none.
    pub tokens: u64,
}

/// A configured endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<String>,
    timeout: Duration,
}

#[derive(Deserialize)]
struct Response {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    total_tokens: u64,
}

impl Client {
    /// A client for `base_url` (up to and including `/v1`).
    pub fn new(
        base_url: &str,
        model: &str,
        key: Option<String>,
        timeout: Duration,
    ) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|err| ClientError::Request(err.to_string()))?;
        Ok(Client {
            http,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            key,
            timeout,
        })
    }

    /// Asks for one completion of `messages`.
    pub async fn complete(&self, messages: &[Message]) -> Result<Completion, ClientError> {
        match tokio::time::timeout(self.timeout, self.request(messages)).await {
            Ok(result) => result,
            Err(_) => Err(ClientError::Timeout),
        }
    }

    async fn request(&self, messages: &[Message]) -> Result<Completion, ClientError> {
        let body = serde_json::json!({
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "stream": false,
        });
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(key) = &self.key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let mut response = request.send().await.map_err(request_error)?;
        if !response.status().is_success() {
            return Err(ClientError::Status(response.status().as_u16()));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(request_error)? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ClientError::Body("response too large".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        parse(&bytes)
    }
}

fn request_error(err: reqwest::Error) -> ClientError {
    if err.is_timeout() {
        ClientError::Timeout
    } else {
        ClientError::Request(err.to_string())
    }
}

/// The completion in a response body.
pub fn parse(body: &[u8]) -> Result<Completion, ClientError> {
    let response: Response =
        serde_json::from_slice(body).map_err(|err| ClientError::Body(err.to_string()))?;
    let text = response
        .choices
        .into_iter()
        .next()
        .and_then(|choice| choice.message.content)
        .ok_or_else(|| ClientError::Body("no choice".into()))?;
    let tokens = response.usage.map_or(0, |usage| {
        if usage.total_tokens > 0 {
            usage.total_tokens
        } else {
            usage.prompt_tokens.saturating_add(usage.completion_tokens)
        }
    });
    Ok(Completion { text, tokens })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_and_its_usage_are_read() {
        let body = br#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#;
        assert_eq!(
            parse(body).unwrap(),
            Completion {
                text: "hi".into(),
                tokens: 5
            }
        );
        let no_usage = br#"{"choices":[{"message":{"content":"x"}}]}"#;
        assert_eq!(parse(no_usage).unwrap().tokens, 0);
    }

    #[test]
    fn garbage_is_an_error() {
        for body in [&b"not json"[..], br#"{"choices":[]}"#, br#"{"error":"x"}"#] {
            assert!(matches!(parse(body), Err(ClientError::Body(_))));
        }
    }
}
