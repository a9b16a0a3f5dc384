//! Names of things a page shows by name, never by code: the audit log's actions. (The start of
//! the page catalogue of issue 14; other names live beside their pages for now.)

use crate::html::Lang;

/// The name of an audit action (`project.transition` → 项目流程), in the reader's language.
/// An action this table does not know keeps its code, so nothing is hidden.
pub fn audit_action(lang: Lang, action: &str) -> String {
    let named = match action.split_once('.') {
        Some(("ledger", kind)) => {
            let (zh, en) = crate::quota::access::operation_kind(kind);
            Some((format!("指标台账：{zh}"), format!("ledger: {en}")))
        }
        Some(("funds", kind)) => {
            funds_kind(kind).map(|(zh, en)| (format!("资金台账：{zh}"), format!("funds: {en}")))
        }
        _ => fixed(action).map(|(zh, en)| (zh.to_owned(), en.to_owned())),
    };
    match (named, lang) {
        (Some((zh, _)), Lang::Zh) => zh,
        (Some((_, en)), Lang::En) => en,
        (None, _) => action.to_owned(),
    }
}

/// The name of a field of a ledger operation (`amount_m2` → 面积（m²）). An unknown field keeps
/// its code, shown as code.
pub fn operation_field(lang: Lang, field: &str) -> Option<String> {
    let (zh, en) = match field {
        "project" => ("项目", "project"),
        "amount_m2" => ("面积（m²）", "area (m²)"),
        "confirmed_m2" => ("确认节余（m²）", "confirmed surplus (m²)"),
        "reclaimed_farmland_m2" => ("复垦耕地（m²）", "reclaimed farmland (m²)"),
        "resettlement_farmland_m2" => ("安置区占用耕地（m²）", "farmland of the site (m²)"),
        "division" => ("行政区", "division"),
        "county" => ("县", "county"),
        "purpose" => ("用途", "purpose"),
        "listing" => ("挂牌", "listing"),
        "buyer" => ("受让方", "buyer"),
        "price_fen_per_mu" => ("价格（分/亩）", "price (fen per mu)"),
        "priced_on" => ("定价日期", "priced on"),
        "zone" => ("建新区或供地", "zone or supply"),
        "land_use" => ("用地类型", "land use"),
        "year" => ("年度", "year"),
        "seq" => ("被冲正的记录", "entry reversed"),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    })
}

fn funds_kind(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "proceeds" => ("流转收益到账", "transfer proceeds received"),
        "invest" => ("市级投资到位", "city investment received"),
        "spend" => ("支出", "spending"),
        "compensate" => ("农户补偿", "household compensation"),
        "reverse" => ("冲正", "reversal"),
        _ => return None,
    })
}

fn fixed(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "adjustment.apply" => ("规划调整申请", "planning adjustment application"),
        "allocation.decide" => ("年度指标分配决定", "yearly allocation decided"),
        "audit.finding" => ("审计发现", "audit finding"),
        "base_layer.import" => ("导入底图", "base layer imported"),
        "division.boundaries" => ("导入行政区边界", "division boundaries imported"),
        "division.import" => ("导入乡镇和村", "townships and villages imported"),
        "guide_price.add" => ("录入指导价", "guide price recorded"),
        "inspection.close" => ("检查整改销号", "inspection closed"),
        "inspection.record" => ("记录检查", "inspection recorded"),
        "inspection.rectify" => ("整改", "rectification"),
        "land_supply.record" => ("记录供地", "land supply recorded"),
        "market.cancel" => ("解除协议", "agreement cancelled"),
        "market.expire" => ("挂牌到期", "listing expired"),
        "market.offer" => ("报价", "offer"),
        "market.payment" => ("登记付款", "payment recorded"),
        "market.publish" => ("发布挂牌", "listing published"),
        "market.settle" => ("结算交割", "agreement settled"),
        "market.sign" => ("签订协议", "agreement signed"),
        "market.withdraw" => ("撤牌", "listing withdrawn"),
        "notice.answer" => ("答复异议", "objection answered"),
        "notice.lift" => ("解除通报", "notice lifted"),
        "notice.objection" => ("提出异议", "objection filed"),
        "notice.publish" => ("发布公示", "notice published"),
        "notice.record" => ("通报", "supervision notice"),
        "plan.create" => ("起草专项规划", "special plan drafted"),
        "plan.opinion" => ("部门会商意见", "consultation opinion"),
        "plan.transition" => ("专项规划流程", "special plan step"),
        "project.apply_acceptance" => ("申请验收", "acceptance applied for"),
        "project.city_investment" => ("市级投资县级实施", "city investment"),
        "project.extension_decision" => ("延期决定", "extension decided"),
        "project.extension_request" => ("申请延期", "extension requested"),
        "project.register" => ("登记项目", "project registered"),
        "project.review" => ("部门审查意见", "department review"),
        "project.transition" => ("项目流程", "project step"),
        "project.version" => ("实施方案新版本", "new plan version"),
        "sanction.apply" => ("实施制裁", "sanction applied"),
        "suspension.lift" => ("恢复预支", "advance suspension lifted"),
        "user.create" => ("新建账号", "account created"),
        "user.disable" => ("停用账号", "account disabled"),
        "user.enable" => ("启用账号", "account enabled"),
        "user.login" => ("登录", "signed in"),
        "user.login_failed" => ("登录失败", "failed sign-in"),
        "user.reset_password" => ("重置密码", "password reset"),
        "user.set" => ("调整账号", "account changed"),
        _ => return None,
    })
}

/// An audit record's subject as a reader names it: `ledger_entry:21` → 台账条目 #21,
/// `funds_entry:5` → 资金条目 #5, `base_layer:1` → 土地利用图层 #1. Other subjects are
/// numbers users know (a project, a listing, a plan) and are shown as they are.
pub fn audit_subject(lang: Lang, subject: &str) -> String {
    let Some((kind, id)) = subject.split_once(':') else {
        return subject.to_owned();
    };
    let named = match kind {
        "ledger_entry" => Some(("台账条目", "ledger entry")),
        "funds_entry" => Some(("资金条目", "funds entry")),
        "base_layer" => Some(("土地利用图层", "land-use layer")),
        "guide_price" => Some(("指导价", "guide price")),
        "adjustment" => Some(("指标调整", "adjustment")),
        "land_supply" => Some(("供地", "land supply")),
        "allocation" => Some(("年度指标分配", "allocation")),
        "sanction" => Some(("制裁", "sanction")),
        _ => None,
    };
    match (named, lang) {
        (Some((zh, _)), Lang::Zh) => format!("{zh} #{id}"),
        (Some((_, en)), Lang::En) => format!("{en} #{id}"),
        (None, _) => subject.to_owned(),
    }
}

/// The name of a field of an audit record's payload, in the reader's language; `None` for a
/// field this catalogue does not know (shown by its key).
pub fn payload_field(lang: Lang, key: &str) -> Option<&'static str> {
    let (zh, en) = match key {
        "action" => ("操作", "action"),
        "agreement" => ("协议", "agreement"),
        "amount_fen" => ("金额（分）", "amount (fen)"),
        "amount_m2" => ("面积（m²）", "area (m²)"),
        "anonymous" => ("匿名", "anonymous"),
        "area_m2" => ("面积（m²）", "area (m²)"),
        "as_of" => ("业务日期", "dated"),
        "backing" => ("指标来源", "backing"),
        "basis" => ("依据", "basis"),
        "blocking" => ("阻断项", "blocking"),
        "buyer" => ("受让方", "buyer"),
        "category" => ("类别", "category"),
        "change_version" => ("变更版本", "change version"),
        "checked" => ("已检查", "checked"),
        "city_credit_m2" => ("市级分成（m²）", "city credit (m²)"),
        "city_part_m2" => ("市级部分（m²）", "city part (m²)"),
        "city_share_percent" => ("市级投入比例（%）", "city share (%)"),
        "class_field" => ("地类字段", "class field"),
        "clause" => ("条款", "clause"),
        "closed_on" => ("办结日期", "closed on"),
        "closes_on" => ("截止日期", "closes on"),
        "code" => ("编号", "number"),
        "conclusion" => ("结论", "conclusion"),
        "confirmed_m2" => ("确认节余（m²）", "confirmed surplus (m²)"),
        "construction_zone_plan" => ("建新区规划", "construction zone plan"),
        "count" => ("数量", "count"),
        "county" => ("县", "county"),
        "county_credit_m2" => ("县级分成（m²）", "county credit (m²)"),
        "county_part_m2" => ("县级部分（m²）", "county part (m²)"),
        "deadline" => ("期限", "deadline"),
        "decided_on" => ("决定日期", "decided on"),
        "decision" => ("决定", "decision"),
        "department" => ("部门", "department"),
        "description" => ("描述", "description"),
        "division" => ("行政区", "division"),
        "due_on" => ("到期日", "due on"),
        "ends_on" => ("结束日期", "ends on"),
        "features" => ("要素数", "features"),
        "figures" => ("数据", "figures"),
        "file" => ("文件", "file"),
        "finding" => ("问题", "finding"),
        "findings" => ("问题", "findings"),
        "found_on" => ("发现日期", "found on"),
        "from" => ("自", "from"),
        "funding_source" => ("资金来源", "funding source"),
        "granted_until" => ("批准延至", "granted until"),
        "hash" => ("哈希", "hash"),
        "household" => ("农户", "household"),
        "households" => ("农户", "households"),
        "households_source" => ("农户名单来源", "households from"),
        "id" => ("编号", "number"),
        "inspected_on" => ("检查日期", "inspected on"),
        "inspection_closed" => ("检查办结", "inspection closed"),
        "inspector" => ("检查人", "inspector"),
        "instalment" => ("期次", "instalment"),
        "is_admin" => ("系统管理员", "administrator"),
        "item" => ("事项", "item"),
        "key" => ("账户", "account"),
        "kind" => ("类型", "kind"),
        "land_use" => ("用途", "land use"),
        "last_day" => ("最后期限", "last day"),
        "ledger_seq" => ("台账条目", "ledger entry"),
        "listing" => ("挂牌公告", "listing"),
        "money_fen" => ("金额（分）", "money (fen)"),
        "name" => ("名称", "name"),
        "note" => ("说明", "note"),
        "notice" => ("公示", "notice"),
        "number" => ("序号", "number"),
        "offer" => ("意向", "offer"),
        "opens_on" => ("开始日期", "opens on"),
        "operation" => ("台账操作", "ledger operation"),
        "opinion" => ("意见", "opinion"),
        "overdue" => ("逾期", "overdue"),
        "overdue_since" => ("逾期起始", "overdue since"),
        "owed_to_city_m2" => ("欠市级指标（m²）", "owed to the city (m²)"),
        "paid_from" => ("支付来源", "paid from"),
        "paid_on" => ("支付日期", "paid on"),
        "payee" => ("收款方", "payee"),
        "period" => ("期间", "period"),
        "planned_surplus_m2" => ("计划节余（m²）", "planned surplus (m²)"),
        "price_fen_per_mu" => ("价格（分/亩）", "price (fen per mu)"),
        "priced_on" => ("定价日期", "priced on"),
        "project" => ("项目", "project"),
        "purpose" => ("用途", "purpose"),
        "reason" => ("理由", "reason"),
        "reason_en" => ("理由（英文）", "reason (English)"),
        "reason_zh" => ("理由", "reason"),
        "reclaimed_farmland_m2" => ("复垦耕地（m²）", "reclaimed farmland (m²)"),
        "reclaimed_is_farmland" => ("复垦为耕地", "reclaimed is farmland"),
        "reclaimed_m2" => ("复垦面积（m²）", "reclaimed (m²)"),
        "rectification" => ("整改情况", "rectification"),
        "rectified_on" => ("整改日期", "rectified on"),
        "replaces" => ("替代", "replaces"),
        "requested_on" => ("申请日期", "requested on"),
        "requested_until" => ("申请延至", "requested until"),
        "reserve_price_fen_per_mu" => ("底价（分/亩）", "reserve price (fen per mu)"),
        "resettlement_farmland_m2" => ("安置区占用耕地（m²）", "farmland of the site (m²)"),
        "resettlement_m2" => ("安置区面积（m²）", "resettlement site (m²)"),
        "returned_m2" => ("退回面积（m²）", "returned (m²)"),
        "reviewed_on" => ("审查日期", "reviewed on"),
        "rule" => ("规则", "rule"),
        "schedule" => ("付款计划", "schedule"),
        "seq" => ("序号", "number"),
        "settled_from_city_m2" => ("由市级结清（m²）", "settled from the city (m²)"),
        "settled_from_county_m2" => ("由县级结清（m²）", "settled from the county (m²)"),
        "severity" => ("严重程度", "severity"),
        "sha256" => ("SHA-256", "SHA-256"),
        "shares" => ("分配份额", "shares"),
        "source" => ("来源", "source"),
        "split" => ("分成", "split"),
        "standards" => ("补偿标准", "standards"),
        "starts_on" => ("开始日期", "starts on"),
        "state" => ("状态", "state"),
        "text" => ("内容", "text"),
        "title" => ("标题", "title"),
        "to" => ("至", "to"),
        "topic" => ("事项", "topic"),
        "total_fen" => ("总价（分）", "total (fen)"),
        "total_m2" => ("合计（m²）", "total (m²)"),
        "transfer_seq" => ("流转台账条目", "transfer entry"),
        "unknown_codes" => ("未识别的地类代码", "unknown class codes"),
        "user" => ("用户", "user"),
        "version" => ("版本", "version"),
        "village_field" => ("村字段", "village field"),
        "villages" => ("村", "villages"),
        "vintage" => ("年度", "vintage"),
        "voucher" => ("凭证", "voucher"),
        "warnings" => ("警示项", "warnings"),
        "year" => ("年度", "year"),
        "zone" => ("区域", "zone"),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh,
        Lang::En => en,
    })
}

/// Division names by code (`Door::division_names`), for tables that name counties.
pub type DivisionNames = std::collections::BTreeMap<String, String>;

/// A division by name with its code in the tooltip (escaped HTML); the code when the name is
/// unknown.
pub fn division(names: &DivisionNames, code: &str) -> String {
    match names.get(code) {
        Some(name) => format!(
            "<span title=\"{}\">{}</span>",
            crate::html::esc(code),
            crate::html::esc(name)
        ),
        None => crate::html::esc(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_names_and_unknown_ones_keep_their_code() {
        assert_eq!(audit_action(Lang::Zh, "project.transition"), "项目流程");
        assert_eq!(audit_action(Lang::En, "user.login"), "signed in");
        assert_eq!(audit_action(Lang::Zh, "ledger.advance"), "指标台账：预支");
        assert_eq!(audit_action(Lang::Zh, "funds.spend"), "资金台账：支出");
        assert_eq!(audit_action(Lang::Zh, "something.new"), "something.new");
    }
}

#[cfg(test)]
mod subject_tests {
    use super::*;

    #[test]
    fn subjects_are_named() {
        assert_eq!(audit_subject(Lang::Zh, "ledger_entry:21"), "台账条目 #21");
        assert_eq!(audit_subject(Lang::En, "funds_entry:5"), "funds entry #5");
        assert_eq!(
            audit_subject(Lang::Zh, "511722-2018-001"),
            "511722-2018-001"
        );
        assert_eq!(audit_subject(Lang::Zh, "odd_kind:1"), "odd_kind:1");
    }
}
