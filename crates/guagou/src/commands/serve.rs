//! `guagou serve`: the web application on the data directory's registry.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use guagou_registry::Registry;

use crate::commands::registry::{Common, open_registry, runtime};

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// 监听地址 / address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Cookie 加 Secure（经 HTTPS 访问时，如在 TLS 反向代理之后）/ mark cookies Secure (when
    /// users reach the service over HTTPS, e.g. behind a TLS proxy)
    #[arg(long, env = "GUAGOU_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

/// Structured request logs (method, path, status, elapsed_ms) on standard error, so that
/// standard output keeps only what the command prints for the user.
pub(crate) fn init_logs() {
    // A second call (tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::fmt()
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves when the process gets Ctrl-C (or SIGTERM on Unix).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Serves `registry` until a shutdown signal; prints the first admin password if just created.
pub async fn serve_registry(registry: Registry, listen: SocketAddr) -> anyhow::Result<()> {
    if let Some(password) = guagou_web::ensure_admin(&registry).await? {
        println!("首个管理员 / first administrator: admin@511700  密码 / password: {password}");
        println!("（仅显示这一次 / shown only this once）");
    }
    println!("访问 / open: http://{listen}/");
    guagou_web::serve(Arc::new(registry), listen, shutdown_signal()).await?;
    Ok(())
}

pub fn run(common: &Common, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    init_logs();
    guagou_web::auth::set_secure_cookies(args.secure_cookies);
    runtime()?.block_on(async {
        let registry = open_registry(common).await?;
        serve_registry(registry, args.listen).await?;
        Ok(ExitCode::SUCCESS)
    })
}
