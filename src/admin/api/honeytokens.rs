//! `GET /api/honeytokens`: every planted token (never its secret), where it is planted, and
//! which sessions read it and used it, from the newest [`MAX_TOKEN_EVENTS`]
//! `mirage.honeytoken.accessed` / `mirage.honeytoken.used` events.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::AdminState;
use super::{ApiConfig, deny, store_failed};
use crate::events::{Event, EventKind, SessionId};

/// How many token events are read (newest first).
pub const MAX_TOKEN_EVENTS: usize = 1000;

/// One planted token and what happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    /// The token's stable id.
    pub token: String,
    /// What it is (`aws_key`, `ssh_credential`, …).
    pub kind: String,
    /// Where it is planted: a fake-filesystem path or `http:<lure path>`.
    pub placement: String,
    /// Sessions that read it, newest first.
    pub reads: Vec<TokenTouch>,
    /// Sessions that used it, newest first.
    pub uses: Vec<TokenTouch>,
}

/// One read or use of a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenTouch {
    /// When.
    pub time: DateTime<Utc>,
    /// The session.
    pub session: SessionId,
    /// Its source address.
    pub src_ip: IpAddr,
    /// How, for operators (`cat /root/.aws/credentials`, `ssh password login as deploy`).
    pub how: String,
    /// For a use: the session that read the token before, if one did.
    pub accessed_by: Option<SessionId>,
}

/// The token list: planted tokens first (in their planting order), then any token only the
/// events name (planted by an earlier configuration).
pub fn token_views(planted: &[crate::honeytokens::Token], events: &[Event]) -> Vec<TokenView> {
    let mut views: Vec<TokenView> = planted
        .iter()
        .map(|t| TokenView {
            token: t.id.clone(),
            kind: t.kind.clone(),
            placement: t.placement.clone(),
            reads: Vec::new(),
            uses: Vec::new(),
        })
        .collect();
    for e in events {
        let (token, touch, used) = match &e.kind {
            EventKind::HoneytokenAccessed { token, how } => (token, (how, None), false),
            EventKind::HoneytokenUsed {
                token,
                how,
                accessed_by,
                ..
            } => (token, (how, accessed_by.clone()), true),
            _ => continue,
        };
        let i = match views.iter().position(|v| v.token == token.token) {
            Some(i) => i,
            None => {
                views.push(TokenView {
                    token: token.token.clone(),
                    kind: token.kind.clone(),
                    placement: token.placement.clone(),
                    reads: Vec::new(),
                    uses: Vec::new(),
                });
                views.len() - 1
            }
        };
        let touch = TokenTouch {
            time: e.timestamp,
            session: e.session.clone(),
            src_ip: e.src_ip,
            how: touch.0.clone(),
            accessed_by: touch.1,
        };
        if used {
            views[i].uses.push(touch);
        } else {
            views[i].reads.push(touch);
        }
    }
    views
}

/// The handler.
pub(super) async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
    config: Option<web::Data<ApiConfig>>,
) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    let events = match state
        .store
        .recent_events(
            &["mirage.honeytoken.accessed", "mirage.honeytoken.used"],
            MAX_TOKEN_EVENTS,
        )
        .await
    {
        Ok(events) => events,
        Err(err) => return store_failed(&err),
    };
    let planted = config
        .as_ref()
        .and_then(|c| c.honeytokens.as_ref())
        .map(|h| h.tokens().to_vec())
        .unwrap_or_default();
    HttpResponse::Ok().json(token_views(&planted, &events))
}
