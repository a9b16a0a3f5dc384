//! `guagou user`: user administration from the command line, through the same door as the web's
//! 用户管理 (`--actor` must be an administrator; the jurisdiction bounds what it reaches).

use clap::Subcommand;
use guagou_registry::Registry;
use guagou_registry::users::{UserChange, UserChangeDone, UserSetting};

use crate::OutputFormat;
use crate::commands::registry::{Who, emit};
use crate::table::render;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 列出本辖区账号 / the accounts of the administrator's jurisdiction
    List {
        /// 系统管理员 / the administrator, name@division (env GUAGOU_ACTOR)
        #[arg(long, env = "GUAGOU_ACTOR")]
        actor: String,
    },
    /// 新建账号（生成初始密码，只显示一次）/ create an account; its password is printed once
    Add {
        name: String,
        /// 所属行政区划代码 / division code (county, city or province)
        #[arg(long)]
        division: String,
        /// 部门 / department (land, finance, audit or a reviewing department)
        #[arg(long, default_value = "land")]
        department: String,
        /// 系统管理员 / may administer the accounts of its jurisdiction
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        who: Who,
    },
    /// 调整所属、部门、管理员身份（其登录将被退出）/ set division, department, administrator
    Set {
        name: String,
        #[arg(long)]
        division: String,
        #[arg(long, default_value = "land")]
        department: String,
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        who: Who,
    },
    /// 停用（立即退出其登录）/ disable an account (ends its sessions)
    Disable {
        name: String,
        #[command(flatten)]
        who: Who,
    },
    /// 启用 / enable a disabled account
    Enable {
        name: String,
        #[command(flatten)]
        who: Who,
    },
    /// 重置密码（新密码只显示一次）/ reset the password; the new one is printed once
    ResetPassword {
        name: String,
        #[command(flatten)]
        who: Who,
    },
}

pub async fn run(r: &Registry, format: OutputFormat, command: UserCommand) -> anyhow::Result<()> {
    let (name, change, who) = match command {
        UserCommand::List { actor } => {
            let users = r.as_principal(&r.parse_actor(&actor)?).users().await?;
            return emit(format, &users, || {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.name.clone(),
                            u.division.as_str().to_owned(),
                            u.department.clone(),
                            if u.is_admin { "是/yes" } else { "否/no" }.to_owned(),
                            u.disabled_at.as_deref().map_or_else(
                                || "正常/active".to_owned(),
                                |t| format!("停用/disabled {t}"),
                            ),
                        ]
                    })
                    .collect();
                render(
                    &[
                        "用户/user",
                        "所属/division",
                        "部门/department",
                        "管理员/admin",
                        "状态/status",
                    ],
                    &rows,
                )
            });
        }
        UserCommand::Add {
            name,
            division,
            department,
            admin,
            who,
        } => (
            name,
            UserChange::Create(UserSetting {
                division,
                department,
                is_admin: admin,
            }),
            who,
        ),
        UserCommand::Set {
            name,
            division,
            department,
            admin,
            who,
        } => (
            name,
            UserChange::Set(UserSetting {
                division,
                department,
                is_admin: admin,
            }),
            who,
        ),
        UserCommand::Disable { name, who } => (name, UserChange::Disable, who),
        UserCommand::Enable { name, who } => (name, UserChange::Enable, who),
        UserCommand::ResetPassword { name, who } => (name, UserChange::ResetPassword, who),
    };
    let done = r
        .as_principal(&who.actor(r)?)
        .change_user(&name, &change, &who.reason)
        .await?;
    print_done(format, &change, &done)
}

fn print_done(
    format: OutputFormat,
    change: &UserChange,
    done: &UserChangeDone,
) -> anyhow::Result<()> {
    let value = serde_json::json!({
        "user": done.user,
        "action": change.action(),
        "password": done.password,
    });
    emit(format, &value, || {
        let mut text = format!(
            "{} {}：{} / {} {}\n",
            done.user.name,
            done.user.division.as_str(),
            change.action(),
            done.user.name,
            if done.user.disabled() {
                "disabled"
            } else {
                "active"
            },
        );
        if let Some(password) = &done.password {
            text.push_str(&format!(
                "初始密码（只显示这一次）/ password (shown once): {password}\n"
            ));
        }
        text
    })
}
