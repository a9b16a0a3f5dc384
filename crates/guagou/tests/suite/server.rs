//! A real `guagou` server process for tests, and a small HTTP/1.1 client over plain sockets
//! (one connection per request), shared by the browser, database, concurrency and crash tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to build its registry and start listening.
pub const STARTUP: Duration = Duration::from_secs(180);

/// A `guagou` server; killed (SIGKILL) when dropped, so a failing assertion never leaves it
/// running.
pub struct Server {
    pub child: Child,
    pub log: PathBuf,
    pub address: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `guagou --data <data> [--database URL] <args…> --listen <free port>` with its
    /// output appended to `log`.
    pub fn start(data: &Path, database: Option<&str>, args: &[&str], log: &Path) -> Server {
        let address: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("cannot create log: {e}"));
        let err = out
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot share log: {e}"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_guagou"));
        command.arg("--data").arg(data);
        if let Some(url) = database {
            command.env("GUAGOU_DATABASE", url);
        } else {
            command.env_remove("GUAGOU_DATABASE");
        }
        let child = command
            .args(args)
            .args(["--listen", &address.to_string()])
            .env_remove("GUAGOU_DATA")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start guagou: {e}"));
        Server {
            child,
            log: log.to_path_buf(),
            address,
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/healthz` answers 200; panics with the server's output otherwise.
    pub fn wait_healthy(&mut self) {
        let deadline = Instant::now() + STARTUP;
        loop {
            if http_status(self.address, "/healthz").is_some_and(|s| s.contains(" 200 ")) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("guagou exited ({status}):\n{}", self.output());
            }
            assert!(
                Instant::now() < deadline,
                "guagou did not answer /healthz within {STARTUP:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL: no shutdown hook runs, as when the machine loses the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (the OS picks it; it is released before the server
/// binds).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port: {e}"))
}

/// The status line of `GET path`, or `None` if nothing answers yet.
pub fn http_status(address: SocketAddr, path: &str) -> Option<String> {
    let reply = request(address, "GET", path, &[], b"").ok()?;
    Some(format!("HTTP/1.1 {} ", reply.status))
}

/// The demo accounts' shared password from `<data>/demo-accounts.txt`.
pub fn demo_password(data: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data.join("demo-accounts.txt")).ok()?;
    text.lines()
        .find(|l| l.contains("password"))
        .and_then(|l| l.split_whitespace().last())
        .map(str::to_owned)
}

/// A response read to the end.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value a `Set-Cookie` gives cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.header("set-cookie").iter().find_map(|c| {
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (n, v) = pair.split_once('=')?;
            (n.trim() == name).then(|| v.trim().to_owned())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body))
    }
}

/// One request on a new connection (`Connection: close`); an error when the server is not
/// there or drops the connection (a crash test counts that as "not acknowledged").
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> std::io::Result<Reply> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let rest = &raw[split + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut rest: &[u8]) -> std::io::Result<Vec<u8>> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk");
    let mut body = Vec::new();
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size_text = String::from_utf8_lossy(&rest[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad())?;
        rest = &rest[end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or_else(bad)?);
        rest = rest.get(size + 2..).ok_or_else(bad)?;
    }
}

/// A signed-in user: the session cookie and the CSRF token of the session.
#[derive(Debug, Clone)]
pub struct Session {
    pub address: SocketAddr,
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    /// Signs in through the login form, as a browser does.
    pub fn login(address: SocketAddr, name: &str, password: &str) -> std::io::Result<Session> {
        let form = request(address, "GET", "/login", &[], b"")?;
        let nonce = form
            .cookie("guagou_prelogin")
            .ok_or_else(|| std::io::Error::other(format!("no pre-login cookie: {form:?}")))?;
        let marker = "name=\"csrf\" value=\"";
        let start = form
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .ok_or_else(|| std::io::Error::other("no token in the login form"))?;
        let end = form.body[start..]
            .find('"')
            .map(|i| start + i)
            .ok_or_else(|| std::io::Error::other("unterminated login token"))?;
        let token = &form.body[start..end];
        let body = format!("csrf={token}&name={name}&password={password}");
        let cookie = format!("guagou_prelogin={nonce}");
        let reply = request(
            address,
            "POST",
            "/login",
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )?;
        let session = reply
            .cookie("guagou_session")
            .ok_or_else(|| std::io::Error::other(format!("login of {name} refused: {reply:?}")))?;
        let cookie = format!("guagou_session={session}");
        let home = request(address, "GET", "/", &[("Cookie", &cookie)], b"")?;
        let marker = "name=\"csrf\" value=\"";
        let start = home
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .ok_or_else(|| std::io::Error::other("no csrf token on the home page"))?;
        let end = home.body[start..]
            .find('"')
            .map(|i| start + i)
            .ok_or_else(|| std::io::Error::other("unterminated csrf token"))?;
        Ok(Session {
            address,
            cookie,
            csrf: home.body[start..end].to_owned(),
        })
    }

    /// The same session on a restarted server (sessions live in the database).
    pub fn at(&self, address: SocketAddr) -> Session {
        Session {
            address,
            ..self.clone()
        }
    }

    pub fn get(&self, path: &str) -> std::io::Result<Reply> {
        request(self.address, "GET", path, &[("Cookie", &self.cookie)], b"")
    }

    /// POST of a JSON body to the API with the session's CSRF token.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> std::io::Result<Reply> {
        request(
            self.address,
            "POST",
            path,
            &[
                ("Cookie", &self.cookie),
                ("x-csrf-token", &self.csrf),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }
}
