//! A real browser (headless Chromium driven by chromedriver over WebDriver) opens a customer's
//! page served on 127.0.0.1:0, waits for every chart to be drawn, saves a screenshot, and fails
//! on any console error, failed chart, or request to another host (read from Chromium's
//! performance log, which carries the DevTools network events).
//!
//! Needs the Debian packages `chromium` and `chromium-driver`. Without them the test is skipped
//! with a message, unless the CI variable is set, where a missing browser is a failure.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Serves the fixture state on a loopback port from a background runtime.
fn start_server() -> (SocketAddr, pret_a_score::server::AppState) {
    let state = common::state(400);
    let (tx, rx) = std::sync::mpsc::channel();
    let served = state.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("address"))
                .expect("send address");
            axum::serve(listener, pret_a_score::server::app(served))
                .await
                .expect("serve");
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server starts");
    (addr, state)
}

/// One HTTP/1.1 exchange with chromedriver on loopback; returns the JSON body.
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(addr).expect("chromedriver answers");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("send to chromedriver");
    let mut reader = std::io::BufReader::new(stream);
    let mut head = String::new();
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut line).expect("read from chromedriver");
        if line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
        head.push_str(&line);
    }
    let mut raw = Vec::new();
    match length {
        Some(n) if !chunked => {
            raw.resize(n, 0);
            reader.read_exact(&mut raw).expect("read the body");
        }
        _ => {
            reader.read_to_end(&mut raw).expect("read the body");
        }
    }
    let rest = String::from_utf8_lossy(&raw).into_owned();
    let rest = if chunked { dechunk(&rest) } else { rest };
    serde_json::from_str(&rest).unwrap_or_else(|e| panic!("chromedriver said {head}: {e}"))
}

fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        text = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    addr: SocketAddr,
    session: String,
}

impl Driver {
    fn start(driver: &Path, chromium: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut driver = Self {
            child,
            addr,
            session: String::new(),
        };
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,2600",
                         // Any name but the loopback address fails to resolve.
                         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}
        }}});
        let answer = http(addr, "POST", "/session", Some(&capabilities));
        driver.session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        driver
    }

    fn call(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}/{what}", self.session);
        std::mem::take(&mut http(self.addr, method, &path, body.as_ref())["value"])
    }

    fn go(&self, url: &str) {
        self.call("POST", "url", Some(json!({"url": url})));
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn log(&self, kind: &str) -> Vec<Value> {
        match self.call("POST", "se/log", Some(json!({"type": kind}))) {
            Value::Array(entries) => entries,
            other => panic!("no {kind} log: {other}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = std::panic::catch_unwind(|| {
                http(
                    self.addr,
                    "DELETE",
                    &format!("/session/{}", self.session),
                    None,
                )
            });
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let bits =
            chunk.iter().fold(0u32, |acc, c| (acc << 6) | value(*c)) << (6 * (4 - chunk.len()));
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// Waits until `expected` charts (some loaded by htmx after the page) are drawn, one fails, or
/// 30 seconds pass.
fn wait_for_charts(driver: &Driver, expected: u64) -> (u64, u64, u64) {
    let started = Instant::now();
    loop {
        let counts = driver.script(
            "return [document.querySelectorAll('div.vl').length, \
             document.querySelectorAll('div.vl[data-drawn=yes] svg').length, \
             document.querySelectorAll('div.vl[data-drawn=error]').length];",
        );
        let n = |i: usize| counts[i].as_u64().unwrap_or(0);
        let (total, drawn, failed) = (n(0), n(1), n(2));
        if failed > 0
            || (total >= expected && drawn == total)
            || started.elapsed() > Duration::from_secs(30)
        {
            return (total, drawn, failed);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn customer_page_draws_every_chart_offline_without_errors() {
    let chromium = find(&[
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]);
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "CI is set but chromium/chromedriver are missing: apt-get install -y chromium chromium-driver"
            );
        }
        eprintln!(
            "SKIPPED: no chromium or chromedriver (apt-get install -y chromium chromium-driver)"
        );
        return;
    };
    let (addr, state) = start_server();
    let base = format!("http://{addr}");
    let driver = Driver::start(&driver, &chromium);

    let code = state.keys().one_time_rm_code();
    driver.go(&format!("{base}/login?token={code}"));
    let customer = state.sample_ids(40)[33];
    driver.go(&format!("{base}/rm/customers/{customer}"));
    let (total, drawn, failed) = wait_for_charts(&driver, 4);

    let png = base64_decode(
        driver
            .call("GET", "screenshot", None)
            .as_str()
            .expect("a screenshot"),
    );
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("customer-page.png");
    std::fs::write(&shot, &png).expect("write the screenshot");
    eprintln!("screenshot: {}", shot.display());
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");

    let title = driver.call("GET", "title", None);
    assert!(
        title
            .as_str()
            .is_some_and(|t| t.contains(&customer.to_string())),
        "title {title}"
    );
    assert_eq!(failed, 0, "no chart failed to draw");
    assert_eq!(
        total, 4,
        "gauge, waterfall, distribution and scatter are on the page"
    );
    assert_eq!(drawn, total, "every chart is drawn as SVG");

    let errors: Vec<String> = driver
        .log("browser")
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");

    let requests: Vec<String> = driver
        .log("performance")
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
        .filter(|m| m["message"]["method"] == "Network.requestWillBeSent")
        .filter_map(|m| {
            m["message"]["params"]["request"]["url"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let foreign: Vec<&String> = requests
        .iter()
        .filter(|url| !url.starts_with(&format!("{base}/")) && !url.starts_with("data:"))
        .collect();
    assert!(foreign.is_empty(), "requests to other hosts: {foreign:#?}");
    assert!(
        requests
            .iter()
            .any(|u| u.ends_with("/static/vendor/vega-5.33.1/vega.min.js")),
        "the vendored Vega came from this server: {requests:#?}"
    );
}
