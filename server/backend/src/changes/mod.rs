//! Change control: the policy that decides a proposed deploy (Rego, evaluated in-process) and
//! the gate that records each reported change with its decision.

pub mod backtest;
pub mod gate;
pub mod github;
pub mod guardrails;
pub mod input;
pub mod policies;
pub mod policy;
pub mod records;
