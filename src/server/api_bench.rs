//! `pret-a-score bench-serve`: the server's own latency under concurrent load, measured over
//! loopback with a small HTTP/1.1 keep-alive client, against a trivial route measured in the
//! same run. Request counts are bounded; only 127.0.0.1 is ever contacted.

use std::time::{Duration, Instant};

use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use super::ServerError;
use super::auth::{Principal, SESSION_COOKIE};
use super::state::AppState;

/// How hard to push.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Concurrent clients, each with its own keep-alive connection.
    pub clients: usize,
    /// Requests per route, shared among the clients.
    pub requests: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            clients: 50,
            requests: 2000,
        }
    }
}

/// Latencies of one route.
#[derive(Debug, Clone, Serialize)]
pub struct RouteLatency {
    pub route: String,
    pub requests: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub per_second: f64,
}

/// The benchmark's result.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub clients: usize,
    pub routes: Vec<RouteLatency>,
}

impl BenchReport {
    /// Lines for a person: p50/p99 per route and the ratio to the trivial route.
    pub fn lines(&self) -> Vec<String> {
        let reference = self.routes.first().map(|r| r.p99_ms).unwrap_or(0.0);
        self.routes
            .iter()
            .map(|r| {
                format!(
                    "{:<38} {:>6} req  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  {:>8.0} req/s  p99 x{:.1} of /health",
                    r.route,
                    r.requests,
                    r.p50_ms,
                    r.p99_ms,
                    r.max_ms,
                    r.per_second,
                    if reference > 0.0 { r.p99_ms / reference } else { 0.0 }
                )
            })
            .collect()
    }
}

/// Serves `state` on a loopback port and measures `/health`, a customer page and the API
/// score call with `options.clients` concurrent clients.
pub async fn bench(state: AppState, options: BenchOptions) -> Result<BenchReport, ServerError> {
    let ids = state.sample_ids(200);
    let Some(&first) = ids.first() else {
        return Err(ServerError::Bench("there is no customer to request".into()));
    };
    let cookie = format!(
        "{SESSION_COOKIE}={}",
        state.keys().session_value(Principal::Rm)
    );
    // The compare charts use the model's most important feature (and the next one).
    // The compare charts draw the model's two most important features.
    let names = &state.inner.population.feature_names;
    let mut top = state
        .inner
        .model
        .importance
        .iter()
        .map(|(f, _)| f)
        .chain(names);
    let x = top.next().cloned().unwrap_or_default();
    let y = top.next().cloned().unwrap_or_else(|| x.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| ServerError::Bench(format!("cannot bind a loopback port: {e}")))?;
    let addr = listener.local_addr().map_err(ServerError::Serve)?;
    let server = tokio::spawn(async move { axum::serve(listener, super::app(state)).await });
    let mut routes = Vec::new();
    let plans: [(&str, PathFor); 5] = [
        ("GET /health", Box::new(|_| "/health".to_owned())),
        ("GET /rm/customers/{id}", {
            let ids = ids.clone();
            Box::new(move |i| format!("/rm/customers/{}", ids[i % ids.len()]))
        }),
        ("GET /rm/customers/{id}/distribution", {
            let (ids, x) = (ids.clone(), x.clone());
            Box::new(move |i| {
                format!(
                    "/rm/customers/{}/distribution?feature={x}&population=cohort",
                    ids[i % ids.len()]
                )
            })
        }),
        ("GET /rm/customers/{id}/scatter", {
            let ids = ids.clone();
            Box::new(move |i| format!("/rm/customers/{}/scatter?x={x}&y={y}", ids[i % ids.len()]))
        }),
        ("GET /api/v1/customers/{id}/score", {
            let ids = ids.clone();
            Box::new(move |i| format!("/api/v1/customers/{}/score", ids[i % ids.len()]))
        }),
    ];
    tracing::debug!(customer = first, %addr, "benchmark server started");
    for (name, path) in plans {
        let latencies = run(addr, &cookie, options.clients, options.requests, path).await;
        server_alive(&server)?;
        routes.push(summarise(name, latencies?));
    }
    server.abort();
    Ok(BenchReport {
        clients: options.clients,
        routes,
    })
}

fn server_alive<T>(server: &tokio::task::JoinHandle<T>) -> Result<(), ServerError> {
    if server.is_finished() {
        return Err(ServerError::Bench(
            "the server stopped during the run".into(),
        ));
    }
    Ok(())
}

type PathFor = Box<dyn Fn(usize) -> String + Send + Sync + 'static>;

async fn run(
    addr: std::net::SocketAddr,
    cookie: &str,
    clients: usize,
    requests: usize,
    path: PathFor,
) -> Result<(Vec<Duration>, Duration), ServerError> {
    let cookie = cookie.to_owned();
    // Clients are plain threads with blocking sockets, so they never share the server's
    // async workers.
    tokio::task::spawn_blocking(move || {
        let clients = clients.max(1);
        let started = Instant::now();
        let results: Vec<Result<Vec<Duration>, ServerError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..clients)
                .map(|c| {
                    let count = requests / clients + usize::from(c < requests % clients);
                    let paths: Vec<String> = (0..count).map(|i| path(c * 7919 + i)).collect();
                    let cookie = cookie.as_str();
                    scope.spawn(move || client(addr, cookie, paths))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(ServerError::Bench("a client panicked".into())))
                })
                .collect()
        });
        let elapsed = started.elapsed();
        let mut all = Vec::with_capacity(requests);
        for latencies in results {
            all.extend(latencies?);
        }
        Ok((all, elapsed))
    })
    .await
    .map_err(|e| ServerError::Bench(format!("the client pool stopped: {e}")))?
}

fn client(
    addr: std::net::SocketAddr,
    cookie: &str,
    paths: Vec<String>,
) -> Result<Vec<Duration>, ServerError> {
    let io = |e: std::io::Error| ServerError::Bench(format!("loopback connection: {e}"));
    let stream = TcpStream::connect(addr).map_err(io)?;
    stream.set_nodelay(true).map_err(io)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(io)?;
    let mut writer = stream.try_clone().map_err(io)?;
    let mut reader = BufReader::new(stream);
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: keep-alive\r\n\r\n"
        );
        writer.write_all(request.as_bytes()).map_err(io)?;
        let status = read_response(&mut reader).map_err(io)?;
        if status != 200 {
            return Err(ServerError::Bench(format!("{path} answered {status}")));
        }
        out.push(started.elapsed());
    }
    Ok(out)
}

/// Reads one response with a Content-Length body; returns its status.
fn read_response(stream: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    stream.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed mid-response"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok(status)
}

fn summarise(route: &str, (mut latencies, elapsed): (Vec<Duration>, Duration)) -> RouteLatency {
    latencies.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).copied().map(ms).unwrap_or(0.0)
    };
    RouteLatency {
        route: route.to_owned(),
        requests: latencies.len(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: latencies.last().copied().map(ms).unwrap_or(0.0),
        per_second: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
    }
}
