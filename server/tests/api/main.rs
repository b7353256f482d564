//! Integration tests: the real server on port 0 with a fresh database per test, on SQLite and PostgreSQL.

mod helpers;

mod audit;
mod auth;
mod breakout;
mod change_github;
mod change_kpis;
mod change_reviews;
mod deployments;
mod fuzz;
mod gate;
mod github;
mod github_requests;
mod guardrails;
mod hardening;
mod health;
mod incidents;
mod integrations;
mod malformed;
mod metrics;
mod page_cache;
mod pages;
mod policies;
mod postmortems;
mod problems;
mod services;
mod webhooks;
