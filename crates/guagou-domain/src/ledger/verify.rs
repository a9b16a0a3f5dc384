//! The independent checker: rebuilds every balance and lot from the journal alone and checks
//! every invariant of SPEC §8, naming the first entry that breaks one. It shares no code with
//! the engine beyond the entry types, so a bug in planning cannot hide itself here.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::account::{Account, Nature};
use super::entry::{Entry, GENESIS_HASH, Operation};
use super::lot::Lot;
use crate::division::DivisionCode;

/// The first problem found, with the entry's sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "台账条目 {seq} 校验失败：{problem_zh} / journal entry {seq} fails verification: {problem_en}"
)]
pub struct VerifyError {
    pub seq: u64,
    pub problem_zh: String,
    pub problem_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub head_hash: String,
    pub balances: BTreeMap<String, i64>,
    pub open_lots: usize,
}

/// A dated statement of the chain head that an auditor can keep and check later, offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
    /// The date the checkpoint was exported (caller's clock).
    pub exported_on: String,
}

/// The head of one hash chain as an auditor keeps it: the last sequence number and that
/// record's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

impl ChainHead {
    /// Compares this kept head with a chain rebuilt (and verified) up to at most `self.seq`
    /// records: `records` is how many it had, `hash` the hash of its last one. Returns the
    /// (Chinese, English) problem: the chain is shorter than the head (records were removed
    /// from its end), or differs at it (history was rewritten).
    pub fn compare(&self, records: u64, hash: &str) -> Result<(), (String, String)> {
        if records < self.seq {
            return Err((
                format!(
                    "链只有 {records} 条，比检查点的 {} 条短（末尾记录被删除）",
                    self.seq
                ),
                format!(
                    "the chain has {records} records, fewer than the checkpoint's {} (records were removed from its end)",
                    self.seq
                ),
            ));
        }
        if hash != self.hash {
            return Err((
                format!("第 {} 条的哈希与检查点不符：历史被改写", self.seq),
                format!(
                    "record {} has another hash than the checkpoint: history was rewritten",
                    self.seq
                ),
            ));
        }
        Ok(())
    }
}

/// A dated checkpoint of the registry's three chains: the quota ledger, the funds journal and
/// the audit log. The ledger head stays at the top level (`seq`, `hash`), so this file is also
/// a ledger checkpoint for readers that know only that, and a ledger-only file reads as a
/// registry checkpoint without funds or audit heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryCheckpoint {
    #[serde(flatten)]
    pub ledger: Checkpoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds: Option<ChainHead>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<ChainHead>,
}

fn fail(seq: u64, zh: impl Into<String>, en: impl Into<String>) -> VerifyError {
    VerifyError {
        seq,
        problem_zh: zh.into(),
        problem_en: en.into(),
    }
}

/// Verifies a whole journal in order. Takes borrowed or owned entries, so storage can stream
/// the journal through it without holding every entry in memory.
pub fn verify_journal<E: Borrow<Entry>>(
    entries: impl IntoIterator<Item = E>,
) -> Result<VerifyReport, VerifyError> {
    let mut balances: BTreeMap<Account, i64> = BTreeMap::new();
    // lot id → (project, first, last, holder, open)
    let mut lots: BTreeMap<u64, (String, i64, i64, Account, bool)> = BTreeMap::new();
    // Size of the open lots per holder, kept as lots open and close, so the lots-vs-balance
    // check costs O(log n) per entry instead of a scan of every lot ever created.
    let mut open_sizes: BTreeMap<Account, i64> = BTreeMap::new();
    // Lots created advanced, and the county each project's advance went to (二(四)).
    let mut advanced_lots: BTreeSet<u64> = BTreeSet::new();
    let mut advance_county: BTreeMap<String, DivisionCode> = BTreeMap::new();
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    let mut issued: BTreeSet<String> = BTreeSet::new();
    // seq of each issue entry → its project, so a reversed issue frees the project again.
    let mut issue_entries: BTreeMap<u64, String> = BTreeMap::new();
    for entry in entries {
        let entry: &Entry = entry.borrow();
        let seq = entry.seq;
        count += 1;
        if seq != count {
            return Err(fail(
                seq,
                format!("序号应为 {count}"),
                format!("sequence number should be {count}"),
            ));
        }
        if entry.prev_hash != prev_hash {
            return Err(fail(
                seq,
                "前一条目哈希不符（历史被改动）",
                "previous-hash link broken (history was altered)",
            ));
        }
        if entry.compute_hash() != entry.hash {
            return Err(fail(
                seq,
                "条目内容与哈希不符（条目被改动）",
                "content does not match its hash (entry was altered)",
            ));
        }
        if entry.sum_of_legs() != 0 {
            return Err(fail(
                seq,
                format!("借贷不平：合计 {}", entry.sum_of_legs()),
                format!("legs do not balance: sum {}", entry.sum_of_legs()),
            ));
        }
        let mut touched: BTreeSet<Account> = BTreeSet::new();
        for leg in &entry.legs {
            let balance = balances.entry(leg.account.clone()).or_insert(0);
            *balance += leg.amount_m2;
            touched.insert(leg.account.clone());
        }
        for account in &touched {
            let balance = balances.get(account).copied().unwrap_or(0);
            let bad = match account.nature() {
                Nature::Holding => balance < 0,
                Nature::Source => balance > 0,
            };
            if bad {
                return Err(fail(
                    seq,
                    format!("{account} 余额越界：{balance}"),
                    format!("balance of {account} out of bounds: {balance}"),
                ));
            }
        }
        for id in &entry.lots_consumed {
            match lots.get_mut(id) {
                Some(lot) if lot.4 => {
                    lot.4 = false;
                    *open_sizes.entry(lot.3.clone()).or_insert(0) -= lot.2 - lot.1 + 1;
                }
                Some(_) => {
                    return Err(fail(
                        seq,
                        format!("指标块 {id} 被重复消耗"),
                        format!("lot {id} consumed twice"),
                    ));
                }
                None => {
                    return Err(fail(
                        seq,
                        format!("指标块 {id} 不存在"),
                        format!("lot {id} does not exist"),
                    ));
                }
            }
        }
        for lot in &entry.lots_created {
            if lot.first > lot.last || lot.first < 1 {
                return Err(fail(
                    seq,
                    format!("指标块 {} 范围无效", lot.id),
                    format!("lot {} has an invalid range", lot.id),
                ));
            }
            check_advanced(entry, lot, &lots, &advanced_lots, &mut advance_county)?;
            if lot.advanced {
                advanced_lots.insert(lot.id);
            }
            if lots
                .insert(
                    lot.id,
                    (
                        lot.project.clone(),
                        lot.first,
                        lot.last,
                        lot.holder.clone(),
                        true,
                    ),
                )
                .is_some()
            {
                return Err(fail(
                    seq,
                    format!("指标块编号 {} 重复", lot.id),
                    format!("lot id {} reused", lot.id),
                ));
            }
            *open_sizes.entry(lot.holder.clone()).or_insert(0) += lot.last - lot.first + 1;
        }
        for account in touched.iter().filter(|a| a.has_lots()) {
            let in_lots = open_sizes.get(account).copied().unwrap_or(0);
            let balance = balances.get(account).copied().unwrap_or(0);
            if in_lots != balance {
                return Err(fail(
                    seq,
                    format!("{account} 指标块合计 {in_lots} 与余额 {balance} 不符"),
                    format!("lots of {account} sum to {in_lots}, balance is {balance}"),
                ));
            }
        }
        if let Operation::Issue {
            project,
            confirmed_m2,
            ..
        } = &entry.operation
        {
            let surplus = Account::Surplus {
                project: project.clone(),
            };
            let leg = entry
                .legs
                .iter()
                .find(|l| l.account == surplus)
                .map(|l| -l.amount_m2)
                .unwrap_or(0);
            if leg != *confirmed_m2 || !issued.insert(project.clone()) {
                return Err(fail(
                    seq,
                    "核发量与确认的节余不符或重复核发",
                    "issued amount differs from the confirmed surplus, or issued twice",
                ));
            }
            issue_entries.insert(seq, project.clone());
        }
        if let Operation::Reverse { seq: target } = &entry.operation {
            if *target >= seq {
                return Err(fail(seq, "冲正指向后续条目", "reversal points forward"));
            }
            if let Some(project) = issue_entries.remove(target) {
                issued.remove(&project);
            }
        }
        prev_hash = entry.hash.clone();
    }
    check_no_overlap(&lots, count)?;
    Ok(VerifyReport {
        entries: count,
        head_hash: prev_hash,
        balances: balances.iter().map(|(a, b)| (a.key(), *b)).collect(),
        open_lots: lots.values().filter(|l| l.4).count(),
    })
}

/// Advanced quota stays with the county that received it, for local use, until the project's
/// issue confirms it (二(四), SPEC §8): only an advance mints advanced lots, a child keeps its
/// parent's flag except where its project's issue confirms it in place (same holder), and an
/// advanced lot is only ever held, reserved or used by that county, never listed or transferred.
fn check_advanced(
    entry: &Entry,
    lot: &Lot,
    lots: &BTreeMap<u64, (String, i64, i64, Account, bool)>,
    advanced_lots: &BTreeSet<u64>,
    advance_county: &mut BTreeMap<String, DivisionCode>,
) -> Result<(), VerifyError> {
    let flag = |advanced: bool| if advanced { "预支" } else { "已确认" };
    let flag_en = |advanced: bool| if advanced { "advanced" } else { "confirmed" };
    match lot.parent {
        None => {
            let by_advance = matches!(entry.operation, Operation::Advance { .. });
            if lot.advanced != by_advance {
                return Err(fail(
                    entry.seq,
                    format!(
                        "新产生的指标块 {} 标为{}，但产生它的是 {} 条目",
                        lot.id,
                        flag(lot.advanced),
                        entry.operation.kind()
                    ),
                    format!(
                        "minted lot {} is marked {}, but a {} entry minted it",
                        lot.id,
                        flag_en(lot.advanced),
                        entry.operation.kind()
                    ),
                ));
            }
        }
        Some(parent) => {
            let parent_advanced = advanced_lots.contains(&parent);
            let confirmed_in_place = matches!(
                &entry.operation,
                Operation::Issue { project, .. } if project == &lot.project
            ) && parent_advanced
                && !lot.advanced
                && lots.get(&parent).is_some_and(|p| p.3 == lot.holder);
            if lot.advanced != parent_advanced && !confirmed_in_place {
                return Err(fail(
                    entry.seq,
                    format!(
                        "指标块 {} 标为{}，其来源指标块 {parent} 为{}",
                        lot.id,
                        flag(lot.advanced),
                        flag(parent_advanced)
                    ),
                    format!(
                        "lot {} is marked {}, its parent lot {parent} is {}",
                        lot.id,
                        flag_en(lot.advanced),
                        flag_en(parent_advanced)
                    ),
                ));
            }
        }
    }
    if !lot.advanced {
        return Ok(());
    }
    if let (None, Account::Holding { division }) = (lot.parent, &lot.holder) {
        advance_county
            .entry(lot.project.clone())
            .or_insert_with(|| division.clone());
    }
    let county = advance_county.get(&lot.project);
    let local = match &lot.holder {
        Account::Holding { division }
        | Account::Reserved { division }
        | Account::Used { division } => Some(division) == county,
        _ => false,
    };
    if local {
        Ok(())
    } else {
        Err(fail(
            entry.seq,
            format!(
                "预支指标块 {} 由 {} 持有：预支指标在验收确认前只能由预支的县本地使用",
                lot.id, lot.holder
            ),
            format!(
                "advanced lot {} is held by {}: advanced quota is for the advancing county's local use until acceptance confirms it",
                lot.id, lot.holder
            ),
        ))
    }
}

/// Open lots of one project never share a serial: no square metre exists twice.
fn check_no_overlap(
    lots: &BTreeMap<u64, (String, i64, i64, Account, bool)>,
    head: u64,
) -> Result<(), VerifyError> {
    let mut open: Vec<(&str, i64, i64)> = lots
        .values()
        .filter(|l| l.4)
        .map(|l| (l.0.as_str(), l.1, l.2))
        .collect();
    open.sort();
    for pair in open.windows(2) {
        if pair[0].0 == pair[1].0 && pair[1].1 <= pair[0].2 {
            return Err(fail(
                head,
                format!(
                    "项目 {} 的序号 {} 同时存在于两个指标块",
                    pair[0].0, pair[1].1
                ),
                format!(
                    "serial {} of project {} is in two open lots",
                    pair[1].1, pair[0].0
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a journal copy against an earlier checkpoint: the entry at the checkpoint's sequence
/// number must still have the checkpoint's hash (and the chain up to it must verify).
pub fn verify_checkpoint(entries: &[Entry], checkpoint: &Checkpoint) -> Result<(), VerifyError> {
    let upto = usize::try_from(checkpoint.seq).unwrap_or(usize::MAX);
    if upto == 0 || upto > entries.len() {
        return Err(fail(
            checkpoint.seq,
            "日志比检查点短",
            "the journal is shorter than the checkpoint",
        ));
    }
    verify_journal(&entries[..upto])?;
    if entries[upto - 1].hash != checkpoint.hash {
        return Err(fail(
            checkpoint.seq,
            "检查点哈希不符：历史被改写",
            "checkpoint hash differs: history was rewritten",
        ));
    }
    Ok(())
}
