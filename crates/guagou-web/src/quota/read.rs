//! What a user may read of the ledger, shared by pages and the API: readable accounts with
//! balances, one account with its open lots and history, one entry with its legs, lots and
//! hashes, one lot with its lineage. Filtering happens here, on the server: anything the user
//! may not read is `NotFound`, exactly like something that does not exist.

use guagou_domain::ledger::{Account, Entry, Lot};
use guagou_registry::Registry;
use guagou_registry::ledger_view::LotRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::{Area, Scope, account_kind};
use crate::auth::User;
use crate::error::WebError;

/// History rows per page.
pub(crate) const HISTORY_PAGE: u32 = 50;

/// One account and its balance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    /// 账户键 / account key, e.g. `holding:511722`
    pub account: String,
    pub kind_zh: String,
    pub kind_en: String,
    /// 所属县（省级下达账户为空）/ the county the account belongs to (none for the grant)
    pub county: Option<String>,
    pub balance: Area,
    /// 账户结构 / the account as the ledger names it
    #[schema(value_type = Object)]
    pub detail: Account,
}

impl AccountView {
    pub fn new(scope: &Scope, account: Account, balance_m2: i64) -> AccountView {
        let (kind_zh, kind_en) = account_kind(&account);
        AccountView {
            account: account.key(),
            kind_zh,
            kind_en,
            county: scope.county_of(&account),
            balance: Area::of(balance_m2),
            detail: account,
        }
    }
}

/// The accounts `user` may read, ordered by county then key.
pub(crate) async fn readable_accounts(
    registry: &Registry,
    scope: &Scope,
    user: &User,
) -> Result<Vec<AccountView>, WebError> {
    let balances = user.door(registry).balances(scope).await?;
    let mut out: Vec<AccountView> = balances
        .into_iter()
        .map(|(account, balance)| AccountView::new(scope, account, balance))
        .collect();
    out.sort_by(|a, b| (&a.county, &a.account).cmp(&(&b.county, &b.account)));
    Ok(out)
}

/// The page of history asked for.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// 只列出序号小于此值的条目（翻页）/ only entries before this sequence number (paging)
    pub before: Option<u64>,
    /// 每页条数（1–200，默认 50）/ entries per page (1–200, default 50)
    pub limit: Option<u32>,
}

/// One entry as seen from an account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryRow {
    pub seq: u64,
    /// 生效日期 / effective date
    pub effective: String,
    pub recorded_at: String,
    pub kind: String,
    /// 本账户变动（m²，正为增加）/ change of this account (m², positive is an increase)
    pub amount_m2: i64,
    /// 对方账户 / the other accounts of the entry
    pub counter_accounts: Vec<String>,
    pub actor: String,
    pub reason: String,
}

impl HistoryRow {
    fn new(account: &Account, entry: &Entry) -> HistoryRow {
        let mut counter: Vec<String> = Vec::new();
        for leg in entry.legs.iter().filter(|l| &l.account != account) {
            let key = leg.account.key();
            if !counter.contains(&key) {
                counter.push(key);
            }
        }
        HistoryRow {
            seq: entry.seq,
            effective: entry.meta.effective.format("%Y-%m-%d").to_string(),
            recorded_at: entry.meta.recorded_at.clone(),
            kind: entry.operation.kind().to_owned(),
            amount_m2: entry
                .legs
                .iter()
                .filter(|l| &l.account == account)
                .map(|l| l.amount_m2)
                .sum(),
            counter_accounts: counter,
            actor: entry.meta.actor.clone(),
            reason: entry.meta.reason.clone(),
        }
    }
}

/// One account: balance, open lots (oldest first) and a page of history (newest first).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountDetail {
    pub account: AccountView,
    /// 未消耗的指标块（含来源项目与序号段）/ open lots with their producing project and serials
    #[schema(value_type = Vec<Object>)]
    pub open_lots: Vec<Lot>,
    pub history: Vec<HistoryRow>,
    /// 涉及本账户的条目总数 / how many entries touch the account
    pub entries_total: u64,
    /// 下一页的 before 值 / the `before` of the next (older) page, if any
    pub older_before: Option<u64>,
}

pub(crate) async fn account_detail(
    registry: &Registry,
    scope: &Scope,
    user: &User,
    key: &str,
    query: &HistoryQuery,
) -> Result<AccountDetail, WebError> {
    let door = user.door(registry);
    let account = door.account(scope, key)?;
    let limit = query.limit.unwrap_or(HISTORY_PAGE).clamp(1, 200);
    let balance = door.balance(scope, &account).await?;
    let open_lots = door.open_lots(scope, &account).await?;
    let mut entries = door
        .entries_touching(scope, &account, query.before, limit + 1)
        .await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let history: Vec<HistoryRow> = entries
        .iter()
        .map(|e| HistoryRow::new(&account, e))
        .collect();
    Ok(AccountDetail {
        older_before: if more {
            history.last().map(|h| h.seq)
        } else {
            None
        },
        entries_total: door.count_entries_touching(scope, &account).await?,
        account: AccountView::new(scope, account, balance),
        open_lots,
        history,
    })
}

/// One journal entry with what it did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryDetail {
    /// 条目（操作、经办、分录、新建与消耗的指标块、哈希）/ the entry (operation, meta, legs,
    /// lots created and consumed, hashes)
    #[schema(value_type = Object)]
    pub entry: Entry,
    /// 本条目消耗的指标块 / the lots this entry consumed
    #[schema(value_type = Vec<Object>)]
    pub lots_consumed: Vec<LotRecord>,
    /// 按内容重算的哈希与存储的一致 / the hash recomputed from the content matches
    pub hash_verified: bool,
    /// 链头序号与哈希 / the chain head
    pub head_seq: u64,
    pub head_hash: String,
}

/// Parses a sequence number from a path; anything else is simply not found.
pub(crate) fn parse_seq(text: &str) -> Result<u64, WebError> {
    text.parse().map_err(|_| WebError::NotFound)
}

pub(crate) async fn entry_detail(
    registry: &Registry,
    scope: &Scope,
    user: &User,
    seq: &str,
) -> Result<EntryDetail, WebError> {
    let seq = parse_seq(seq)?;
    let door = user.door(registry);
    let entry = door.entry(scope, seq).await?;
    let lots_consumed = door.lots_consumed_by(scope, &entry).await?;
    let (head_seq, head_hash) = door.journal_head().await?;
    Ok(EntryDetail {
        hash_verified: entry.compute_hash() == entry.hash,
        entry,
        lots_consumed,
        head_seq,
        head_hash,
    })
}

/// A lot and its ancestors, if `user` may read one of their holders or the producing project.
pub(crate) async fn lot_lineage(
    registry: &Registry,
    scope: &Scope,
    user: &User,
    id: &str,
) -> Result<Vec<LotRecord>, WebError> {
    let id = parse_seq(id)?;
    Ok(user.door(registry).lot_lineage(scope, id).await?)
}
