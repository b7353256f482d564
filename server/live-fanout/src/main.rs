//! Live fan-out benchmark: opens N event streams on one postmortem, saves one field, and reports how
//! long the change took to reach every client (from just before the save request). Like a browser,
//! each stream asks only for what came after the document it loaded and is read as it arrives.
//!
//! `cargo run --release -p live-fanout -- BASE_URL COOKIE POSTMORTEM_ID [CLIENTS] [COOKIES_FILE]`
//! (scripts/bench-postmortem.sh runs it against a release server). The save is made with COOKIE;
//! the streams use the sessions listed in COOKIES_FILE (one per line, one per participant) in
//! turn, or COOKIE when there is none.

use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::task::JoinHandle;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, cookie, pm) = (&args[1], &args[2], &args[3]);
    let clients: usize = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(100);
    let participants: Vec<String> = match args.get(5) {
        Some(file) => std::fs::read_to_string(file)
            .expect("the cookies file is readable")
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        None => vec![cookie.clone()],
    };
    let http = reqwest::Client::new();
    let marker = format!("fan-out marker {}", std::process::id());
    let view: serde_json::Value = http
        .post(format!("{base}/api/postmortems/get"))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .form(&[("id", pm.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = view["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "Lucky")
        .unwrap()["version"]
        .as_i64()
        .unwrap();
    // Like the page, a participant asks only for what came after the document it loaded.
    let after = view["last_event_id"].as_i64().unwrap();
    let mut streams = Vec::new();
    let mut received = 0;
    for participant in participants.iter().cycle().take(clients) {
        let mut response = http
            .get(format!("{base}/live/postmortems/{pm}?after={after}"))
            .header("Cookie", participant)
            .send()
            .await
            .expect("stream opens");
        // Wait for the first presence event: the connection is registered.
        received += read_until(&mut response, "event: presence").await;
        streams.push(read_in_background(response, marker.clone()));
    }
    println!(
        "connected={clients} people={}",
        participants.len().min(clients)
    );
    // Let the presence announcements of the late joiners settle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let saved = http
        .post(format!("{base}/api/postmortems/field"))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .form(&[
            ("postmortem_id", pm.as_str()),
            ("field", "lucky"),
            ("version", &version.to_string()),
            ("body", &marker),
        ])
        .send()
        .await;
    let answered = started.elapsed();
    assert!(saved.unwrap().status().is_success());
    let mut latencies = Vec::new();
    for reader in join_all(streams).await {
        let (arrived, read) = reader.expect("the reader finishes");
        latencies.push(arrived - started);
        received += read;
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p =
        |q: f64| ms(latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)]);
    println!(
        "delivered={} save_answered_ms={:.1} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        latencies.len(),
        ms(answered),
        p(0.50),
        p(0.99),
        ms(*latencies.last().unwrap())
    );
    // Everything the participants were sent from connecting to the save (presence, mostly).
    println!(
        "received_kb_per_participant={:.1}",
        received as f64 / latencies.len() as f64 / 1024.0
    );
}

/// Reads the stream from now on, as a browser does, until `marker` arrives; answers when it did
/// and how many bytes came with it.
fn read_in_background(
    mut response: reqwest::Response,
    marker: String,
) -> JoinHandle<(Instant, usize)> {
    tokio::spawn(async move {
        let read = read_until(&mut response, &marker).await;
        (Instant::now(), read)
    })
}

/// Reads the stream until `wanted` has arrived; answers how many bytes that took. Only the newest
/// bytes are searched (a chunk plus the tail of the one before), so a long backlog of presence
/// events costs linear time.
async fn read_until(response: &mut reqwest::Response, wanted: &str) -> usize {
    let wanted = wanted.as_bytes();
    let mut window: Vec<u8> = Vec::new();
    let mut read = 0;
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(30), response.chunk())
            .await
            .expect("the event arrives")
            .expect("the stream stays open")
            .expect("the stream stays open");
        read += chunk.len();
        window.extend_from_slice(&chunk);
        if window.windows(wanted.len()).any(|w| w == wanted) {
            return read;
        }
        let keep = window.len().min(wanted.len());
        window.drain(..window.len() - keep);
    }
}
